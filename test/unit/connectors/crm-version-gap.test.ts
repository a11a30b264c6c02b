import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/messaging/index.ts';
import { replayDeadLetters } from '../../../src/ops/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { TOPIC, crmAnswering409, crmSinkRunner, crmWithTicket } from '../../support/crm-sink.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

/** A CRM that answers every status update 409 and holds the ticket at `held`. */
async function conflictingCrm(held: number) {
  const view = (id: string) => ({
    id,
    status: 'open',
    statusVersion: held,
    lifecycleState: 'ROUTED',
    closureReason: null,
  });
  return (await crmAnswering409(cleanup, view)).sink;
}

describe('crm-rest sink: a status the CRM refuses because an earlier one has not reached it', () => {
  it('is CL_CONNECTOR_OUT_OF_ORDER naming the versions missing, and goes through once they are delivered', async () => {
    const { sim, ticketId, v1, v2, sink } = await crmWithTicket(cleanup);
    const err = await failure(sink.deliver(v2));
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({
      code: 'CL_CONNECTOR_OUT_OF_ORDER',
      retriable: false,
      details: { ticketId, version: 2, currentVersion: 0, httpStatus: 409 },
    });
    expect((err as Error).message).toContain('v1 must be delivered first');
    await sink.deliver(v1);
    await sink.deliver(v2);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
  });

  it('reads a 409 by the version the CRM holds: at or past the one sent it is had, just below it a lock', async () => {
    const v2 = (await crmWithTicket(cleanup)).v2;
    await expect((await conflictingCrm(2)).deliver(v2)).resolves.toBeUndefined();
    await expect((await conflictingCrm(3)).deliver(v2)).resolves.toBeUndefined();
    // The update was next in line, so the CRM held it off ("being edited by another user"): a
    // lock, which clears, so it is retried, never a refusal for good.
    expect(await failure((await conflictingCrm(1)).deliver(v2))).toMatchObject({
      code: 'CL_CONNECTOR_NOT_APPLIED',
      retriable: true,
      details: { httpStatus: 409, currentVersion: 1 },
    });
    expect(await failure((await conflictingCrm(0)).deliver(v2))).toMatchObject({
      code: 'CL_CONNECTOR_OUT_OF_ORDER',
      message: expect.stringContaining('the CRM holds v0'),
    });
    const v5 = { ...v2, version: 5 };
    expect(await failure((await conflictingCrm(1)).deliver(v5))).toMatchObject({
      message: expect.stringContaining('v2 to v4 must be delivered first'),
    });
  });

  // An agent held the ticket open through every cycle, so v1 was given up on; the agent's save
  // then lets v2 reach a CRM that refuses it for want of v1. Before, v2 was dead-lettered as a
  // plain refusal with no alert, and a replay of v1 alone cleared the only alert while the CRM
  // kept showing v1's status for good.
  it('is dead-lettered at once with an alert that stands for the earlier one, and a replay of the ticket delivers both in order', async () => {
    const { sim, ticketId, v1, v2, messaging, admin, run, send, read, receipts, readiness } = await crmSinkRunner(
      cleanup,
      2,
      5,
    );
    sim.lockTicket(ticketId);
    await send(v1);
    await until('v1 given up on', () => run.status().deadLettered === 1, 10_000);
    sim.unlockTicket(ticketId);
    await send(v2);
    await until('v2 refused', () => run.status().deadLettered === 2, 10_000);
    expect(sim.applied).toEqual([]);
    const letters = await read<TicketStatusChange>(deadLetterTopic(TOPIC));
    expect(letters.map((l) => [l.value.version, l.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      [1, 'CL_DELIVERY_EXHAUSTED'],
      [2, 'CL_CONNECTOR_OUT_OF_ORDER'],
    ]);
    // v2's alert stands for v1's, which it supersedes: it names the way out, a replay of the ticket.
    expect(run.status().exhausted).toEqual([
      expect.objectContaining({
        ticketId,
        subject: 'v2',
        detail: expect.stringContaining('an earlier record of the ticket has not reached the system'),
      }),
    ]);
    expect(readiness().ready).toBe(false);
    expect(run.status().pausedBy).toBeNull();

    const scope = {
      deadLetterTopics: [deadLetterTopic(TOPIC)],
      audit: { topic: 'closeloop.dlq-replays', partitions: 1 },
      transactionalId: 'replay',
    };
    const replay = await replayDeadLetters(messaging, admin, { ticket: ticketId }, 'oncall', scope);
    expect(replay.deadLetters).toHaveLength(2);
    await until('both delivered', () => run.status().delivered === 2, 10_000);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
    expect(sim.tickets.get(ticketId)?.status).toBe('closed');
    await until('the alert cleared', () => run.status().exhausted.length === 0, 10_000);
    expect(readiness()).toEqual({ ready: true, reasons: [] });
    expect(await receipts()).toEqual(['v1 DEAD_LETTERED', 'v2 DEAD_LETTERED', 'v1 DELIVERED', 'v2 DELIVERED']);
  });
});
