import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { beforeEach, describe, expect, it } from 'vitest';
import { decide, isExpired, type InboundEvent, type TicketStatusChange } from '../../../src/domain/index.ts';
import { stateFromRecord, stateToRecord } from '../../../src/processor/index.ts';
import { Bridge, crm, dept, link, slaTestPolicy } from '../../support/domain.ts';

// Rule 4 for duplicates an export shows open at go-live: linked to their parent as live ones
// are, whichever of the parent's row and the duplicate's link request reaches the parent first.

const stateType = avro.Type.forSchema(
  JSON.parse(readFileSync('schemas/bridge.ticket-state.v1.avsc', 'utf8')) as avro.Schema,
);

const DAY = 86_400_000;
const OPENED = 1_790_000_000_000 - 730 * DAY;
const imported = (occurredAt: number, id: string) => ({ origin: 'import', occurredAt, eventId: id, sequence: null });

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});

function opened(ticketId: string, fields: Parameters<typeof crm>[3] = {}): InboundEvent {
  const row = { serviceCode: 'GRASS', requestedAt: OPENED, department: 'housing', channel: 'PHONE' as const };
  return crm(ticketId, 'OPENED', 0, { ...row, ...fields }, imported(OPENED, `${ticketId}:opened`));
}

function closed(ticketId: string, fields: Parameters<typeof crm>[3], kind: 'RESOLVED' | 'CANCELLED' = 'RESOLVED') {
  return crm(ticketId, kind, 0, fields, imported(OPENED + DAY, `${ticketId}:closed`));
}

type Order = 'parent first' | 'request before the parent' | 'request after the parent';
const ORDERS: readonly Order[] = ['parent first', 'request before the parent', 'request after the parent'];

/** Imports parent P and its open duplicate D, the parent's row and D's link request in `order`. */
function importBoth(order: Order, p: string, d: string, parentFields: Parameters<typeof crm>[3] = {}): void {
  if (order === 'parent first') {
    bridge.send(opened(p, parentFields));
    bridge.send(opened(d, { duplicateOf: p }));
    return;
  }
  const request = bridge.step(opened(d, { duplicateOf: p })).links;
  expect(request).toMatchObject([{ kind: 'LINK_REQUEST', ticketId: p, envelope: { origin: 'import' } }]);
  if (order === 'request before the parent') bridge.send(link(request[0]));
  bridge.send(opened(p, parentFields));
  if (order === 'request after the parent') bridge.send(link(request[0]));
}

const shown = (s: TicketStatusChange) => ({
  lifecycleState: s.lifecycleState,
  crmStatus: s.crmStatus,
  statusNote: s.statusNote,
  closureReason: s.closureReason,
  closureNote: s.closureNote,
  duplicateOf: s.duplicateOf,
  origin: s.envelope.origin,
});

describe('an open duplicate imported at go-live', () => {
  it.each(ORDERS)('mirrors its parent and resolves with a later export of it (%s)', (order) => {
    importBoth(order, 'P1', 'D1');
    expect(bridge.ticket('P1').children).toEqual([{ ticketId: 'D1', linkType: 'DUPLICATE' }]);
    expect(shown(bridge.lastStatus('D1'))).toMatchObject({
      lifecycleState: 'DUPLICATE',
      crmStatus: 'OPEN',
      statusNote: 'Duplicate of #P1 — Sent to housing.',
      duplicateOf: 'P1',
      origin: 'import',
    });
    bridge.send(closed('P1', { closureReason: 'WORK_COMPLETED', note: 'Grass cut.' }));
    expect(shown(bridge.lastStatus('D1'))).toEqual({
      lifecycleState: 'RESOLVED',
      crmStatus: 'CLOSED',
      statusNote: 'Resolved together with #P1, of which this is a duplicate. ' + bridge.lastStatus('P1').statusNote,
      closureReason: 'DUPLICATE',
      closureNote: bridge.lastStatus('P1').statusNote,
      duplicateOf: 'P1',
      // History throughout: the CRM has it already, and every sink passes it over.
      origin: 'import',
    });
    expect(bridge.lastStatus('D1').version).toBeLessThan(0);
    // History sends nobody anything, and nothing was refused.
    expect([bridge.commands, bridge.violations]).toEqual([[], []]);
  });

  it.each(ORDERS)('resolves with its parent when the department finishes its work live (%s)', (order) => {
    importBoth(order, 'P2', 'D2');
    // Go-live: the department's own work order of the parent is adopted, and ends live.
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('P2', 'PW-2', 'posse', 'INSPECTION_SCHEDULED', 0, { department: 'housing' }, observed));
    expect(bridge.lastStatus('D2')).toMatchObject({ lifecycleState: 'DUPLICATE', crmStatus: 'OPEN' });
    bridge.send(dept('P2', 'PW-2', 'posse', 'ABATED', 6, { department: 'housing' }));
    const parent = bridge.lastStatus('P2');
    expect(parent).toMatchObject({ crmStatus: 'CLOSED', envelope: { origin: 'closeloop' } });
    // Live news for the CRM, which still shows the duplicate open: numbered from 1, after history.
    expect(bridge.lastStatus('D2')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'RESOLVED',
      closureReason: 'DUPLICATE',
      closureNote: parent.statusNote,
      duplicateOf: 'P2',
      envelope: { origin: 'closeloop' },
    });
    const live = bridge.statusesOf('D2').filter((s) => s.envelope.origin === 'closeloop');
    expect(live.map((s) => [s.version, s.lifecycleState])).toEqual([
      [1, 'DUPLICATE'],
      [2, 'RESOLVED'],
    ]);
    expect(bridge.commands.filter((c) => c.ticketId === 'D2')).toEqual([]);
  });

  it.each(ORDERS)('withdraws the job its department holds for it, adopted at go-live (%s)', (order) => {
    importBoth(order, 'P4', 'D4');
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('D4', 'DW-4', 'posse', 'INSPECTION_SCHEDULED', 0, { department: 'housing' }, observed));
    // Linked by the export to a parent that covers it, as a live duplicate's work is withdrawn.
    expect(bridge.commands.map((c) => [c.ticketId, c.kind, c.workOrderId, c.reason, c.note])).toEqual([
      ['D4', 'CANCEL', 'DW-4', 'DUPLICATE', 'Duplicate of #P4.'],
    ]);
    bridge.send(dept('P4', 'PW-4', 'posse', 'INSPECTION_SCHEDULED', 0, { department: 'housing' }, observed));
    bridge.send(dept('P4', 'PW-4', 'posse', 'ABATED', 6, { department: 'housing' }));
    expect(bridge.lastStatus('P4')).toMatchObject({ crmStatus: 'CLOSED' });
    // Its own job ends as the department withdraws it; then it resolves with its parent.
    expect(bridge.lastStatus('D4')).toMatchObject({ lifecycleState: 'DUPLICATE', crmStatus: 'OPEN' });
    bridge.send(dept('D4', 'DW-4', 'posse', 'WITHDRAWN', 7, { department: 'housing' }));
    expect(bridge.lastStatus('D4')).toMatchObject({
      lifecycleState: 'RESOLVED',
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P4',
      envelope: { origin: 'closeloop' },
    });
    expect(bridge.commands).toHaveLength(1);
  });

  it('withdraws a job adopted before its parent answered once it does, and never for a parent that refuses', () => {
    const observed = { origin: 'reconcile', sequence: null };
    const adopt = (d: string, job: string) =>
      bridge.send(dept(d, job, 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    const request = bridge.step(opened('D5', { duplicateOf: 'P5' })).links;
    adopt('D5', 'DW-5');
    // The export linked it, but no parent has said it is there to cover the work.
    expect(bridge.commands).toEqual([]);
    bridge.send(link(request[0]));
    bridge.send(opened('P5'));
    // Caused by history (the answer to an export's link), but news to the department: live.
    expect(bridge.commands.map((c) => [c.ticketId, c.kind, c.workOrderId, c.reason, c.envelope.origin])).toEqual([
      ['D5', 'CANCEL', 'DW-5', 'DUPLICATE', 'closeloop'],
    ]);

    // A parent that is itself a duplicate refuses: the job stays the duplicate's own.
    bridge.send(opened('Q6'));
    bridge.send(opened('P6', { duplicateOf: 'Q6' }));
    const refused = bridge.step(opened('D6', { duplicateOf: 'P6' })).links;
    adopt('D6', 'DW-6');
    bridge.send(link(refused[0]));
    expect(bridge.ticket('D6').workOrders.map((w) => [w.workOrderId, w.state])).toEqual([['DW-6', 'REQUESTED']]);
    expect(bridge.commands.filter((c) => c.ticketId === 'D6')).toEqual([]);
    // History's record of the work is never sent a command: no NO_CONNECTOR was recorded.
    expect(bridge.violations.filter((v) => v.kind === 'NO_CONNECTOR')).toEqual([]);
  });

  it('keeps the adopted job, and routes no second one, when its parent was cancelled before it asked', () => {
    bridge.send(opened('P7'));
    bridge.send(closed('P7', { closureReason: 'CANCELLED_BY_REQUESTOR' }, 'CANCELLED'));
    const request = bridge.step(opened('D7', { duplicateOf: 'P7' })).links;
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('D7', 'DW-7', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    bridge.send(link(request[0]));
    // Released: the job its department holds is its own, never asked withdrawn.
    expect(bridge.ticket('D7').parent).toBeNull();
    expect(bridge.ticket('D7').workOrders.map((w) => [w.workOrderId, w.state])).toEqual([['DW-7', 'REQUESTED']]);
    expect(bridge.commands.filter((c) => c.ticketId === 'D7')).toEqual([]);
  });

  it('sends a job adopted after the CRM cancelled the duplicate one CANCEL, with the CRM reason', () => {
    const request = bridge.step(opened('D8', { duplicateOf: 'P8' })).links;
    bridge.send(crm('D8', 'CANCELLED', 1, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('D8', 'DW-8', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    bridge.send(link(request[0]));
    bridge.send(opened('P8'));
    // The parent's first answer asks nothing more: on a linked ticket the CRM's reason decides.
    expect(bridge.commands.filter((c) => c.ticketId === 'D8').map((c) => [c.kind, c.workOrderId, c.reason])).toEqual([
      ['CANCEL', 'DW-8', 'CANCELLED_BY_REQUESTOR'],
    ]);
  });

  it('links to a parent the bridge runs live, with history statuses until the parent moves live', () => {
    bridge.send(crm('P3', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(opened('D3', { duplicateOf: 'P3', serviceCode: 'POTHOLE', department: 'transportation' }));
    expect(bridge.ticket('P3').children).toEqual([{ ticketId: 'D3', linkType: 'DUPLICATE' }]);
    // Nothing of the parent changed for the CRM: no status of it, and the duplicate's is history.
    expect(bridge.statusesOf('P3')).toHaveLength(1);
    expect(bridge.statusesOf('D3').every((s) => s.envelope.origin === 'import' && s.version < 0)).toBe(true);
    expect(bridge.lastStatus('D3')).toMatchObject({
      lifecycleState: 'DUPLICATE',
      statusNote: 'Duplicate of #P3 — Sent to transportation.',
    });
    bridge.send(
      dept('P3', 'P3#1', 'maximo', 'WSCH', 2, { department: 'transportation', expectedAt: OPENED + 3 * 730 * DAY }),
    );
    expect(bridge.lastStatus('D3')).toMatchObject({
      version: 1,
      lifecycleState: 'DUPLICATE',
      envelope: { origin: 'closeloop' },
    });
    bridge.send(dept('P3', 'P3#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    expect(bridge.lastStatus('D3')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P3',
    });
    expect(bridge.commands.filter((c) => c.ticketId === 'D3')).toEqual([]);
  });

  it('closes with its parent when the CRM links it live after go-live, its history work order ended', () => {
    bridge.send(opened('H7', { serviceCode: 'POTHOLE', department: 'transportation' }));
    bridge.send(crm('P7', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('H7', 'UPDATED', 1, { duplicateOf: 'P7' }));
    // No CANCEL reaches history's record of the work (recorded NO_CONNECTOR): it ends with P7.
    expect(bridge.violationsOf('H7').map((v) => v.kind)).toEqual(['NO_CONNECTOR']);
    bridge.send(dept('P7', 'P7#1', 'maximo', 'COMP', 2, { department: 'transportation' }));
    expect(bridge.lastStatus('H7')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P7',
    });
  });

  // The converse of history's silence: a ticket the CRM has had live statuses of is told what
  // history does to it, or it would stay open in the CRM for good.
  it("tells the CRM that a live duplicate resolved with its parent, when an export's closure of the parent resolved it", () => {
    bridge.send(opened('P8'));
    bridge.send(crm('L8', 'OPENED', 1, { serviceCode: 'GRASS', duplicateOf: 'P8' }));
    const before = bridge.lastStatus('L8');
    expect(before).toMatchObject({ lifecycleState: 'DUPLICATE', envelope: { origin: 'closeloop' } });
    bridge.send(closed('P8', { closureReason: 'WORK_COMPLETED' }));
    expect(bridge.lastStatus('P8')).toMatchObject({ crmStatus: 'CLOSED', envelope: { origin: 'import' } });
    expect(bridge.lastStatus('L8')).toMatchObject({
      version: before.version + 1,
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      envelope: { origin: 'closeloop', occurredAt: bridge.now },
    });
    // Its sink's receipt is awaited, as for any live status.
    expect(bridge.ticket('L8').watch).toMatchObject({ statusSentAt: bridge.now });
    expect(bridge.ticket('L8').closedAt).toBe(bridge.now);
  });

  it('is linked when a newer export first shows it open as a duplicate, and resolves with its parent', () => {
    bridge.send(opened('P9'));
    bridge.send(opened('H9'));
    const newer = crm(
      'H9',
      'OPENED',
      0,
      { serviceCode: 'GRASS', requestedAt: OPENED, department: 'housing', duplicateOf: 'P9' },
      imported(OPENED, 'H9:opened:newer'),
    );
    expect(bridge.send(newer).links).toMatchObject([
      { kind: 'LINK_REQUEST', ticketId: 'P9', envelope: { origin: 'import' } },
    ]);
    expect(bridge.ticket('P9').children).toEqual([{ ticketId: 'H9', linkType: 'DUPLICATE' }]);
    expect(bridge.lastStatus('H9')).toMatchObject({ lifecycleState: 'DUPLICATE', duplicateOf: 'P9' });
    bridge.send(closed('P9', { closureReason: 'WORK_COMPLETED' }));
    expect(bridge.lastStatus('H9')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'DUPLICATE' });
    expect([bridge.commands, bridge.violations]).toEqual([[], []]);
  });

  it.each(ORDERS)('goes its own way with the work it holds when its parent is cancelled (%s)', (order) => {
    importBoth(order, 'P4', 'D4');
    bridge.send(closed('P4', { closureReason: 'CANCELLED_BY_REQUESTOR' }, 'CANCELLED'));
    expect(bridge.ticket('D4').parent).toBeNull();
    expect(bridge.lastStatus('D4')).toMatchObject({ lifecycleState: 'ROUTED', crmStatus: 'OPEN', duplicateOf: null });
    // Its department holds its work already: it is not asked for it a second time.
    expect(bridge.ticket('D4').workOrders).toMatchObject([{ system: 'import', department: 'housing' }]);
    expect(bridge.commands).toEqual([]);
  });

  it.each(ORDERS)('stays linked as settled history to a parent that is itself a duplicate (%s)', (order) => {
    bridge.send(opened('G5'));
    importBoth(order, 'P5', 'D5', { duplicateOf: 'G5' });
    expect(bridge.ticket('P5').children).toEqual([]);
    expect(bridge.ticket('G5').children).toEqual([{ ticketId: 'P5', linkType: 'DUPLICATE' }]);
    expect(bridge.lastStatus('D5')).toMatchObject({ lifecycleState: 'DUPLICATE', statusNote: 'Duplicate of #P5.' });
    // Recorded with no link type: the ticket is counted by the link it keeps, not as unlinked.
    expect(bridge.violationsOf('D5')).toMatchObject([{ kind: 'PARENT_IS_DUPLICATE', linkType: null }]);
  });

  it('waits as settled history for a parent no export names, and the record of it expires', () => {
    bridge.send(opened('D6', { duplicateOf: 'X6' }));
    expect(bridge.lastStatus('D6')).toMatchObject({ lifecycleState: 'DUPLICATE', statusNote: 'Duplicate of #X6.' });
    expect(bridge.violations).toEqual([]);
    const awaited = bridge.ticket('X6');
    expect(awaited.children).toEqual([{ ticketId: 'D6', linkType: 'DUPLICATE' }]);
    expect(bridge.statusesOf('X6')).toEqual([]);
    // No ticket to anyone else: a department's or the CRM's word of it is of a ticket not known.
    bridge.send(dept('X6', 'W-6', 'posse', 'ABATED', 1, { department: 'housing' }));
    bridge.send(crm('X6', 'UPDATED', 1, { note: 'More.' }));
    expect(bridge.violationsOf('X6').map((v) => v.kind)).toEqual(['UNKNOWN_TICKET', 'UNKNOWN_TICKET']);
    expect(bridge.ticket('X6').children).toEqual(awaited.children);
    // A live duplicate of it is refused, as of any ticket the bridge does not know.
    bridge.send(crm('L6', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'X6' }));
    expect(bridge.violationsOf('L6')).toMatchObject([{ kind: 'UNKNOWN_PARENT', linkType: 'DUPLICATE' }]);
    const later = bridge.now + bridge.policy.retentionMs;
    expect(isExpired(bridge.ticket('X6'), later, bridge.policy.retentionMs)).toBe(true);
    // Kept in the state changelog as it is: restored, it still awaits the parent's row.
    const restored = stateFromRecord(
      stateType.fromBuffer(stateType.toBuffer(stateToRecord(bridge.ticket('X6')))) as Record<string, unknown>,
    );
    const late = decide(restored, opened('X6'), { policy: bridge.policy, now: bridge.now });
    expect(late.links).toMatchObject([{ kind: 'PARENT_STATUS', ticketId: 'D6', fromTicketId: 'X6' }]);
    expect(late.state?.children).toEqual([{ ticketId: 'D6', linkType: 'DUPLICATE' }]);
  });
});
