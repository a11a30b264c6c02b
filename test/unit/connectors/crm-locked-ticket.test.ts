import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/messaging/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { ALERTS, TOPIC, crmSinkRunner, crmWithTicket } from '../../support/crm-sink.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
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

  // Found by the CRM sink's property test: a CRM that answers 204 with no body declined the update
  // of a ticket an agent held open, and the sink counted it as delivered, the CRM never showing it.
  it('is not delivered when answered 204 with no body while the CRM still holds the version before', async () => {
    const { sim, ticketId, v1, v2, sink } = await crmWithTicket(cleanup);
    await sink.deliver(v1);
    sim.server.setFaults({ noContentRate: 1 });
    sim.lockTicket(ticketId);
    await expect(sink.deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_NOT_APPLIED',
      retriable: true,
      details: { ticketId, version: 2, currentVersion: 1 },
    });
    expect(sim.declinedUpdates).toBe(1);
    sim.unlockTicket(ticketId);
    await sink.deliver(v2);
    // Answered 204 again, and the version the ticket holds confirms it.
    await sink.deliver(v2);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
  });

  // A CRM that answers an update to a ticket an agent holds open 409 "being edited by another
  // user" (RFC 9110 names a lock as a cause of 409) or 423 Locked. Before, the 409 was a refusal
  // for good: dead-lettered at once, and every later status of the ticket out of order after it.
  it.each([
    ['conflict', 409],
    ['locked', 423],
  ] as const)(
    'is CL_CONNECTOR_NOT_APPLIED too when the lock is answered %s (HTTP %i), waiting its Retry-After',
    async (lockAnswer, httpStatus) => {
      const { sim, ticketId, v1, v2, sink } = await crmWithTicket(cleanup, { lockAnswer, lockRetryAfterSeconds: 30 });
      await sink.deliver(v1);
      sim.lockTicket(ticketId);
      await expect(sink.deliver(v2)).rejects.toMatchObject({
        code: 'CL_CONNECTOR_NOT_APPLIED',
        retriable: true,
        details: { ticketId, version: 2, currentVersion: 1, httpStatus, retryAfterMs: 30_000 },
      });
      expect(sim.declinedUpdates).toBe(1);
      // A repeat of what the CRM holds is still had, locked or not.
      await expect(sink.deliver(v1)).resolves.toBeUndefined();
      sim.unlockTicket(ticketId);
      await sink.deliver(v2);
      expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
    },
  );

  it("holds the ticket's later statuses behind the locked one, and applies them all in order once the agent lets go", async () => {
    const { sim, ticketId, run, send, read, receipts } = await crmSinkRunner(cleanup, 50, 20, {
      lockAnswer: 'conflict',
      lockRetryAfterSeconds: 1,
    });
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(ticketId, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const [status, seq] of [
      ['APPR', 2],
      ['INPRG', 3],
      ['COMP', 4],
    ] as const)
      bridge.send(dept(ticketId, `${ticketId}#1`, 'maximo', status, seq, { department: 'transportation' }));
    const statuses = bridge.statusesOf(ticketId);
    expect(statuses.map((s) => s.version)).toEqual([1, 2, 3, 4]);
    const [v1, ...later] = statuses as [TicketStatusChange, ...TicketStatusChange[]];
    await send(v1);
    await until('v1 delivered', () => run.status().delivered === 1, 5_000);
    sim.lockTicket(ticketId);
    for (const s of later) await send(s);
    await until(
      'v2 held off, paused',
      () => sim.declinedUpdates >= 1 && run.status().pausedBy === 'unavailable',
      5_000,
    );
    // Paused for the time the CRM asked: v2 is not given up on, and v3 and v4 wait behind it.
    expect(run.status()).toMatchObject({ delivered: 1, deadLettered: 0, exhausted: [] });
    expect(run.status().pauseDetail).toMatch(/^HTTP 409: asked to retry after /);
    sim.unlockTicket(ticketId);
    await until('v2 to v4 delivered', () => run.status().delivered === 4, 10_000);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2, 3, 4]);
    expect(sim.tickets.get(ticketId)?.status).toBe('closed');
    expect(run.status()).toMatchObject({ deadLettered: 0, exhausted: [], pausedBy: null });
    expect(await read(deadLetterTopic(TOPIC))).toEqual([]);
    await untilAsync('every receipt', async () => (await receipts()).length === 4, 5_000);
    expect(await receipts()).toEqual(['v1 DELIVERED', 'v2 DELIVERED', 'v3 DELIVERED', 'v4 DELIVERED']);
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

  it.each(['declined', 'conflict', 'locked'] as const)(
    'ends as CL_DELIVERY_EXHAUSTED with an alert and a DEAD_LETTERED receipt when the ticket stays locked (answered %s)',
    async (lockAnswer) => {
      const { sim, ticketId, v1, run, send, read, receipts } = await crmSinkRunner(cleanup, 2, 5, { lockAnswer });
      sim.lockTicket(ticketId);
      await send(v1);
      await until('v1 given up on', () => run.status().deadLettered === 1, 10_000);
      expect(run.status().delivered).toBe(0);
      expect(sim.applied).toEqual([]);
      const [letter] = await read<TicketStatusChange>(deadLetterTopic(TOPIC));
      expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_DELIVERY_EXHAUSTED');
      expect(run.status().exhausted).toEqual([
        expect.objectContaining({
          ticketId,
          subject: 'v1',
          detail: expect.stringContaining('CL_CONNECTOR_NOT_APPLIED'),
        }),
      ]);
      await untilAsync('the alert', async () => (await read<AlertRecord>(ALERTS)).length === 1, 5_000);
      expect((await read<AlertRecord>(ALERTS))[0]?.value).toMatchObject({ ticketId, reason: 'DELIVERY_EXHAUSTED' });
      await untilAsync('the receipt', async () => (await receipts()).length === 1, 5_000);
      expect(await receipts()).toEqual(['v1 DEAD_LETTERED']);
    },
  );
});
