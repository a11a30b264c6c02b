import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/messaging/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { ALERTS, TOPIC, crmSinkRunner, crmWithTicket } from '../../support/crm-sink.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

describe('crm-rest sink: a status update the CRM answers but does not apply', () => {
  it('is a retriable CL_CONNECTOR_NOT_APPLIED naming the ticket and both versions; applied: false at or past the version is a repeat', async () => {
    const { sim, ticketId, v1, v2, sink } = await crmWithTicket(cleanup);
    await sink.deliver(v1);
    sim.lockTicket(ticketId);
    const err = await sink.deliver(v2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({
      code: 'CL_CONNECTOR_NOT_APPLIED',
      retriable: true,
      details: { ticketId, version: 2, currentVersion: 1 },
    });
    expect((err as Error).message).toContain(`ticket ${ticketId}`);
    expect((err as Error).message).toMatch(/v2.*v1/);
    expect(sim.declinedUpdates).toBe(1);
    // The CRM answers v1 again with applied: false and version 1: it has it, so that is done.
    await sink.deliver(v1);
    expect(sim.repeatedUpdates).toBe(1);
    sim.unlockTicket(ticketId);
    await sink.deliver(v2);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
  });

  it('is never receipted as delivered while the ticket is locked, and is delivered once the agent lets go', async () => {
    const { sim, ticketId, v1, v2, run, send, receipts, readiness } = await crmSinkRunner(cleanup, 1_000, 50);
    await send(v1);
    await until('v1 delivered', () => run.status().delivered === 1, 5_000);
    sim.lockTicket(ticketId);
    await send(v2);
    await until('v2 declined through a pause', () => sim.declinedUpdates >= 4 && run.status().pausedBy !== null, 5_000);
    expect(run.status()).toMatchObject({ delivered: 1, deadLettered: 0, pausedBy: 'unavailable' });
    // Readiness says the CRM declined this ticket's update, not that the CRM is down.
    expect(readiness().reasons).toEqual([
      `crm-rest sink paused: unavailable (ticket ${ticketId} not applied: v2 sent, the system holds v1)`,
    ]);
    sim.unlockTicket(ticketId);
    await until('v2 delivered', () => run.status().delivered === 2, 5_000);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
    expect(sim.tickets.get(ticketId)?.status).toBe('closed');
    await untilAsync('both receipts', async () => (await receipts()).length === 2, 5_000);
    expect(await receipts()).toEqual(['v1 DELIVERED', 'v2 DELIVERED']);
  });

  it('ends as CL_DELIVERY_EXHAUSTED with an alert and a DEAD_LETTERED receipt when the ticket stays locked', async () => {
    const { sim, ticketId, v1, run, send, read, receipts } = await crmSinkRunner(cleanup, 2, 5);
    sim.lockTicket(ticketId);
    await send(v1);
    await until('v1 given up on', () => run.status().deadLettered === 1, 10_000);
    expect(run.status().delivered).toBe(0);
    expect(sim.applied).toEqual([]);
    const [letter] = await read<TicketStatusChange>(deadLetterTopic(TOPIC));
    expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_DELIVERY_EXHAUSTED');
    expect(run.status().exhausted).toEqual([
      expect.objectContaining({ ticketId, subject: 'v1', detail: expect.stringContaining('CL_CONNECTOR_NOT_APPLIED') }),
    ]);
    await untilAsync('the alert', async () => (await read<AlertRecord>(ALERTS)).length === 1, 5_000);
    expect((await read<AlertRecord>(ALERTS))[0]?.value).toMatchObject({ ticketId, reason: 'DELIVERY_EXHAUSTED' });
    await untilAsync('the receipt', async () => (await receipts()).length === 1, 5_000);
    expect(await receipts()).toEqual(['v1 DEAD_LETTERED']);
  });
});
