import { describe, expect, it } from 'vitest';
import { deadLetterTopic } from '../../../src/messaging/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { TOPIC, crmAnswering409, crmSinkRunner, crmWithTicket } from '../../support/crm-sink.ts';
import { until } from '../../support/wait.ts';

// The CRM's ticket view, read on a 409 to a status update and by reconciliation's lookup, and its
// answer to a status update, as a CRM writes them: empty fields left out (as Open311 JSON does), a
// version as text.

const cleanup = cleanupAfter('each');

/** A CRM (Open311-style) that leaves out empty fields and answers a repeat 409. */
const open311 = { omitEmptyFields: true, repeatConflict: true };

/** A CRM that answers every status update 409 and its ticket view with `ticket`. */
function crmAnswering(ticket: Record<string, unknown>) {
  return crmAnswering409(cleanup, () => ticket);
}

describe('crm-rest: the ticket view of a CRM that leaves out empty fields', () => {
  it('takes a repeat answered 409 as delivered, and looks the ticket up with its empty fields null', async () => {
    const { sim, ticketId, v1, sink, lookupTicket } = await crmWithTicket(cleanup, open311);
    await expect(lookupTicket(ticketId)).resolves.toMatchObject({
      ticketId,
      status: 'open',
      statusVersion: 0,
      closureReason: null,
    });
    await sink.deliver(v1);
    await expect(sink.deliver(v1)).resolves.toBeUndefined();
    expect(sim.repeatedUpdates).toBe(1);
    expect(sim.applied.map((a) => a.version)).toEqual([1]);
  });

  it('is delivered under the sink runner, not held as malformed and dead-lettered with an alert', async () => {
    const { sim, v1, run, send, read, receipts } = await crmSinkRunner(cleanup, 2, 5, open311);
    await send(v1);
    await until('v1 delivered', () => run.status().delivered === 1, 10_000);
    await send(v1);
    await until('the repeat delivered', () => run.status().delivered === 2, 10_000);
    expect(sim.repeatedUpdates).toBe(1);
    expect(await receipts()).toEqual(['v1 DELIVERED', 'v1 DELIVERED']);
    expect(await read(deadLetterTopic(TOPIC))).toEqual([]);
    expect(run.status()).toMatchObject({ deadLettered: 0, exhausted: [], pausedBy: null });
  });
});

describe('crm-rest: a ticket view with its version as text or a status of its own', () => {
  const view = { id: 'SR-1', statusVersion: '2', lifecycleState: 'RESOLVED' };

  it('reads a 409 by the version alone, written as digits', async () => {
    const { v2 } = await crmWithTicket(cleanup);
    const at = (ticket: Record<string, unknown>) => crmAnswering({ ...ticket, id: v2.ticketId });
    await expect((await at({ ...view, status: 'resolved' })).sink.deliver(v2)).resolves.toBeUndefined();
    await expect((await at({ ...view, status: 'closed', statusVersion: ' 3 ' })).sink.deliver(v2)).resolves.toBe(
      undefined,
    );
    await expect((await at({ ...view, status: 'open', statusVersion: '0' })).sink.deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_OUT_OF_ORDER',
    });
    // A version that is no whole number is still no answer.
    await expect((await at({ ...view, status: 'open', statusVersion: '2.5' })).sink.deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
    });
  });

  it('looks up a status in any case, and does not guess at one that is neither open nor closed', async () => {
    await expect((await crmAnswering({ ...view, status: 'Closed' })).lookupTicket('SR-1')).resolves.toEqual({
      ticketId: 'SR-1',
      status: 'closed',
      statusVersion: 2,
      lifecycleState: 'RESOLVED',
      closureReason: null,
      updatedAt: null,
    });
    await expect((await crmAnswering({ ...view, status: 'resolved' })).lookupTicket('SR-1')).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      message: expect.stringContaining('"resolved" is neither open nor closed'),
    });
  });
});

describe('crm-rest: a ticket view with its id as a number or its updatedAt as text', () => {
  const view = { id: 'SR-1', status: 'closed', statusVersion: 2, lifecycleState: 'RESOLVED' };
  const at = Date.parse('2024-05-01T10:00:00Z');

  it('reads a 409 by the version alone, whatever the rest of the view holds', async () => {
    const { v2 } = await crmWithTicket(cleanup);
    for (const other of [
      { updatedAt: '2024-05-01T10:00:00Z' },
      { updatedAt: String(at) },
      { updatedAt: 'yesterday' },
      { id: 1 },
      { id: null, status: null },
    ])
      await expect((await crmAnswering({ ...view, ...other })).sink.deliver(v2)).resolves.toBeUndefined();
  });

  it('looks the ticket up with its updatedAt read as the feed reads dates, and unknown when it cannot be', async () => {
    const expected = { ticketId: 'SR-1', status: 'closed', statusVersion: 2, updatedAt: at };
    const lookup = async (other: Record<string, unknown>) =>
      (await crmAnswering({ ...view, ...other })).lookupTicket('SR-1');
    await expect(lookup({ updatedAt: '2024-05-01T10:00:00Z' })).resolves.toMatchObject(expected);
    await expect(lookup({ updatedAt: at })).resolves.toMatchObject(expected);
    // The ticket asked about, though the CRM names it by a number of its own.
    await expect(lookup({ id: 1, updatedAt: at })).resolves.toMatchObject(expected);
    await expect(lookup({ updatedAt: 'yesterday' })).resolves.toMatchObject({ ...expected, updatedAt: null });
  });
});

describe('crm-rest: the answer to a status update with its version as text', () => {
  /** A CRM that answers every status update 200 with `answer`; its ticket view is never asked. */
  const answering = async (answer: Record<string, unknown>) =>
    (
      await crmAnswering409(
        cleanup,
        () => ({}),
        () => ({ status: 200, body: answer }),
      )
    ).sink;

  it('reads currentVersion written as digits as the view reads statusVersion', async () => {
    const { v2 } = await crmWithTicket(cleanup);
    await expect((await answering({ applied: true, currentVersion: '2' })).deliver(v2)).resolves.toBeUndefined();
    await expect((await answering({ applied: false, currentVersion: ' 2 ' })).deliver(v2)).resolves.toBeUndefined();
    await expect((await answering({ applied: false, currentVersion: '1' })).deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_NOT_APPLIED',
      details: { version: 2, currentVersion: 1 },
    });
    // A version that is no whole number is still no answer.
    await expect((await answering({ applied: true, currentVersion: '2.5' })).deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
    });
  });

  it('takes an update applied without the version it left, but not one declined without it', async () => {
    const { v2 } = await crmWithTicket(cleanup);
    await expect((await answering({ applied: true })).deliver(v2)).resolves.toBeUndefined();
    // Declined: only the version tells a repeat from an update held off.
    await expect((await answering({ applied: false })).deliver(v2)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
    });
  });
});
