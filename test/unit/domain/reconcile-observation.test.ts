import { beforeEach, describe, expect, it } from 'vitest';
import { RECONCILE_ORIGIN, reconcileMoves } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  // A tight sequence bound, so an observation judged by its time would trip it at once.
  bridge = new Bridge({ ...(await testPolicy()), ordering: { maxSequenceJump: 1_000, maxFutureMs: 3_600_000 } });
  bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
});

/** What a lookup reads: no sequence, a time far beyond any sequence, origin reconcile. */
const observed = (rawStatus: string, occurredAt = 1_790_000_500_000) =>
  dept(
    'T1',
    'T1#1',
    'maximo',
    rawStatus,
    0,
    { department: 'transportation' },
    { sequence: null, occurredAt, origin: RECONCILE_ORIGIN, eventId: `obs-${rawStatus}-${occurredAt}` },
  );
const kinds = (d: { violations: readonly { kind: string }[] }) => d.violations.map((v) => v.kind);

describe('a reconcile observation is applied by its state, not its position', () => {
  it('moves the work order forward without moving its watermark, and later sequenced events still apply', () => {
    const d = bridge.send(observed('INPRG'));
    expect(kinds(d)).toEqual([]);
    expect(d.statuses.map((s) => s.lifecycleState)).toEqual(['IN_PROGRESS']);
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ state: 'IN_PROGRESS', lastPosition: 2 });
    // The next real event (sequence 3) is neither stale nor an implausible jump.
    const next = bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    expect(kinds(next)).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
  });

  it('closes the ticket through the close gate when the department completed the work', () => {
    const d = bridge.send(observed('COMP'));
    expect(d.statuses.at(-1)).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
  });

  it('does nothing for a state the bridge is already at or past', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 3, { department: 'transportation' }));
    for (const raw of ['APPR', 'WSCH', 'INPRG', 'WMATL']) {
      const d = bridge.send(observed(raw));
      expect(d.statuses).toEqual([]);
      expect(kinds(d)).toEqual([]);
    }
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ state: 'IN_PROGRESS', lastPosition: 3 });
  });

  it('never regresses a terminal work order, nor reports one as a violation', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    const d = bridge.send(observed('COMP'));
    expect(d.statuses).toEqual([]);
    expect(kinds(d)).toEqual([]);
    expect(bridge.ticket('T1').workOrders[0]?.state).toBe('CANCELLED');
  });

  it('creates no work order the bridge does not know', () => {
    const d = bridge.send(
      dept(
        'T1',
        'T1#9',
        'maximo',
        'INPRG',
        0,
        { department: 'transportation' },
        { sequence: null, origin: RECONCILE_ORIGIN },
      ),
    );
    expect(d.statuses).toEqual([]);
    expect(bridge.ticket('T1').workOrders.map((w) => w.workOrderId)).toEqual(['T1#1']);
  });

  it('takes the same observation once: its id is remembered', () => {
    expect(bridge.send(observed('INPRG')).statuses).toHaveLength(1);
    expect(bridge.send(observed('INPRG')).statuses).toHaveLength(0);
  });

  it('still quarantines an unmapped code', () => {
    expect(kinds(bridge.send(observed('NOPE')))).toEqual(['UNMAPPED_CODE']);
  });
});

describe('reconcileMoves', () => {
  it('moves forward only, holds and work in progress ranking alike, terminal states never', () => {
    expect(reconcileMoves('ACCEPTED', 'IN_PROGRESS')).toBe(true);
    expect(reconcileMoves('SCHEDULED', 'COMPLETED')).toBe(true);
    expect(reconcileMoves('IN_PROGRESS', 'ON_HOLD')).toBe(false);
    expect(reconcileMoves('ON_HOLD', 'IN_PROGRESS')).toBe(false);
    expect(reconcileMoves('IN_PROGRESS', 'SCHEDULED')).toBe(false);
    expect(reconcileMoves('COMPLETED', 'CANCELLED')).toBe(false);
  });
});

describe('a reopen request from reconciliation', () => {
  const reopen = (id = 'rec-1') =>
    crm('T1', 'UPDATED', 0, {}, { sequence: null, origin: RECONCILE_ORIGIN, eventId: id });

  it('sends the CRM a new open status saying why, and records CLOSED_BY_HAND', () => {
    const before = bridge.lastStatus('T1');
    const d = bridge.send(reopen());
    expect(kinds(d)).toEqual(['CLOSED_BY_HAND']);
    expect(d.violations[0]).toMatchObject({ department: 'transportation' });
    expect(d.statuses).toHaveLength(1);
    expect(d.statuses[0]).toMatchObject({ version: before.version + 1, crmStatus: 'OPEN', lifecycleState: 'ACCEPTED' });
    expect(d.statuses[0]?.statusNote).toMatch(
      /^Reopened: this request was closed by hand while the work was accepted but not yet started\. /,
    );
    // No CRM watermark was taken from it: the CRM's next real event applies.
    expect(bridge.ticket('T1').crmPosition).toBe(1);
    expect(kinds(bridge.send(crm('T1', 'UPDATED', 2, { note: 'resident called' })))).toEqual([]);
  });

  it('does nothing for a ticket the bridge has closed meanwhile', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    const d = bridge.send(reopen());
    expect(d.statuses).toEqual([]);
    expect(kinds(d)).toEqual([]);
  });

  it('reopens once for one finding', () => {
    expect(bridge.send(reopen('same')).statuses).toHaveLength(1);
    expect(bridge.send(reopen('same')).statuses).toHaveLength(0);
  });

  it('reports, not drops, an observation of a work order the ticket does not hold', () => {
    const stranger = dept(
      'T1',
      'T1#9',
      'maximo',
      'INPRG',
      0,
      { department: 'transportation' },
      { sequence: null, occurredAt: 1_790_000_500_000, origin: RECONCILE_ORIGIN, eventId: 'obs-stranger' },
    );
    const d = bridge.send(stranger);
    expect(kinds(d)).toEqual(['UNKNOWN_WORK_ORDER']);
    expect(d.statuses).toEqual([]);
    expect(bridge.ticket('T1').workOrders.map((w) => w.workOrderId)).toEqual(['T1#1']);
  });
});

describe('a request from reconciliation to send above the CRM version (CRM_AHEAD)', () => {
  const ahead = (crmStatusVersion: number, id = `ahead-${crmStatusVersion}`) =>
    crm('T1', 'UPDATED', 0, { crmStatusVersion }, { sequence: null, origin: RECONCILE_ORIGIN, eventId: id });

  it("raises the ticket's version to the CRM's and sends its current status above it, nothing reopened", () => {
    const before = bridge.lastStatus('T1');
    expect(before.version).toBe(2);
    const d = bridge.send(ahead(5));
    expect(kinds(d)).toEqual([]);
    expect(d.statuses).toHaveLength(1);
    expect(d.statuses[0]).toMatchObject({
      version: 6,
      crmStatus: 'OPEN',
      lifecycleState: 'ACCEPTED',
      statusNote: before.statusNote,
    });
    expect(bridge.ticket('T1')).toMatchObject({ version: 6, state: 'ACCEPTED', crmPosition: 1 });
    // The next status follows it, where the CRM applies it.
    const next = bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 3, { department: 'transportation' }));
    expect(next.statuses.map((s) => [s.version, s.lifecycleState])).toEqual([[7, 'IN_PROGRESS']]);
  });

  it('keeps the close gate: a closed ticket is sent closed again, an open one never closed', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    const closed = bridge.ticket('T1');
    const d = bridge.send(ahead(closed.version + 4));
    expect(d.statuses.map((s) => [s.version, s.crmStatus, s.lifecycleState])).toEqual([
      [closed.version + 5, 'CLOSED', 'RESOLVED'],
    ]);
    expect(bridge.ticket('T1').closedAt).toBe(closed.closedAt);
  });

  it('sends once for one finding, and nothing once the ticket is at or past the CRM version', () => {
    expect(bridge.send(ahead(5)).statuses).toHaveLength(1);
    expect(bridge.send(ahead(5)).statuses).toHaveLength(0);
    expect(bridge.send(ahead(4, 'other')).statuses).toHaveLength(0);
    expect(bridge.ticket('T1').version).toBe(6);
  });

  it('reports a request for a ticket the bridge does not know', () => {
    const d = bridge.send(
      crm('T9', 'UPDATED', 0, { crmStatusVersion: 3 }, { sequence: null, origin: RECONCILE_ORIGIN, eventId: 'x' }),
    );
    expect(kinds(d)).toEqual(['UNKNOWN_TICKET']);
    expect(d.statuses).toEqual([]);
  });
});
