import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { computeKpis } from '../../../src/domain/kpi/index.ts';
import { KpiTicketFold } from '../../../src/kpi/ticket-fold.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';
import { at, sendAt } from '../../support/sla.ts';

const NYC = 'America/New_York';
let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});
const send = (input: InboundEvent, iso: string) => sendAt(bridge, input, iso);
const maximo = (code: string, seq: number, iso: string) =>
  send(dept('O', 'O#1', 'maximo', code, seq, { department: 'transportation' }), iso);

/** Resolved 7 Oct, reopened by a follow-up on 6 Nov, cancelled by the CRM on 8 Nov. */
function resolvedReopenedCancelled() {
  send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
  maximo('APPR', 2, '2026-10-06T10:00');
  maximo('COMP', 3, '2026-10-07T10:00');
  send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }), '2026-11-05T10:00');
  maximo('INPRG', 4, '2026-11-06T10:00');
  send(crm('O', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-08T10:00');
  maximo('CAN', 5, '2026-11-08T11:00');
  return bridge.statusesOf('O');
}

describe('the KPI fold of every status version', () => {
  it('keeps the latest status and, beside it, the ticket as it stood at its first resolution', () => {
    const statuses = resolvedReopenedCancelled();
    const fold = new KpiTicketFold(NYC);
    for (const s of statuses) fold.apply(s);
    expect(fold.get('O')).toMatchObject({
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      resolvedAt: at('2026-10-07T10:00'),
      atResolution: {
        lifecycleState: 'RESOLVED',
        closureReason: 'WORK_COMPLETED',
        duplicateOf: null,
        followUpOf: null,
      },
    });
  });

  it('picks the first resolution by version, not by arrival, when later versions are read first', () => {
    const statuses = resolvedReopenedCancelled();
    // Every status after the first resolution still carries its resolvedAt (a reopen keeps it),
    // so arrival order alone would pick the cancel read first.
    expect(statuses.filter((s) => s.resolvedAt !== null).map((s) => s.lifecycleState)).toEqual(
      expect.arrayContaining(['RESOLVED', 'REOPENED', 'CANCELLED']),
    );
    const fold = new KpiTicketFold(NYC);
    for (const s of [...statuses].reverse()) fold.apply(s);
    expect(fold.get('O')).toMatchObject({
      lifecycleState: 'CANCELLED',
      atResolution: { lifecycleState: 'RESOLVED', closureReason: 'WORK_COMPLETED' },
    });
  });

  it('changes nothing for a repeat or an older status that is no earlier resolution', () => {
    const statuses = resolvedReopenedCancelled();
    const fold = new KpiTicketFold(NYC);
    for (const s of statuses) fold.apply(s);
    const held = fold.get('O');
    for (const s of statuses) expect(fold.apply(s)).toBe(false);
    expect(fold.get('O')).toBe(held);
  });

  it('knows no resolution for a ticket that never resolved', () => {
    send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    const fold = new KpiTicketFold(NYC);
    for (const s of bridge.statusesOf('O')) fold.apply(s);
    expect(fold.get('O')).toMatchObject({ resolvedAt: null, atResolution: null });
    expect(fold.remove('O')).toBe(true);
    expect([...fold.tickets()]).toEqual([]);
  });
});

describe('R3: a cancel, duplicate link or follow-up link after a target fell due', () => {
  const open = (id: string, seq: number, fields: Parameters<typeof crm>[3] = {}) =>
    send(
      crm(id, 'OPENED', seq, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00'), ...fields }),
      '2026-10-05T10:00',
    );
  const accept = (id: string, seq: number, iso: string) =>
    send(dept(id, `${id}#1`, 'maximo', 'APPR', seq, { department: 'transportation' }), iso);
  // In version order, reversed, or odd versions first (the even ones then fill the gaps).
  const october = (now: string, order: 'versions' | 'reversed' | 'odd-first' = 'versions') => {
    const fold = new KpiTicketFold(NYC);
    for (const id of ['L', 'D', 'F', 'E', 'P']) {
      const statuses = bridge.statusesOf(id);
      const ordered =
        order === 'reversed'
          ? [...statuses].reverse()
          : order === 'odd-first'
            ? [...statuses].sort((a, b) => (b.version % 2) - (a.version % 2))
            : statuses;
      for (const s of ordered) fold.apply(s);
    }
    return computeKpis(fold.tickets(), [], '2026-10', at(now), NYC).map((r) => ({
      department: r.department,
      response: `${r.respondedOnTime}/${r.responseDue}`,
      completion: `${r.completedOnTime}/${r.completionDue}`,
      stillOpenPastDue: r.stillOpenPastDue,
    }));
  };

  it('leaves the late verdicts it had reached where they were published', () => {
    // L, D and F answered in time and never completed: late in October, still open past due.
    for (const id of ['L', 'D', 'F']) {
      open(id, 1);
      accept(id, 2, '2026-10-06T10:00');
    }
    // E was cancelled before anything fell due: never the department's clock.
    open('E', 1);
    send(crm('E', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-10-06T09:00');
    send(dept('E', 'E#1', 'maximo', 'CAN', 1, { department: 'transportation' }), '2026-10-06T09:30');
    expect(bridge.statusesOf('E').at(-1)?.lifecycleState).toBe('CANCELLED');
    const published = october('2026-11-02T12:00');
    expect(published).toEqual([
      { department: 'transportation', response: '3/3', completion: '0/3', stillOpenPastDue: 3 },
    ]);

    // In November the backlog is cleared out: L cancelled, D declared a duplicate, F a follow-up.
    send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-11-19T10:00') }), '2026-11-19T10:00');
    send(crm('L', 'CANCELLED', 3, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-20T10:00');
    send(dept('L', 'L#1', 'maximo', 'CAN', 3, { department: 'transportation' }), '2026-11-20T10:30');
    send(crm('D', 'DUPLICATE_DECLARED', 3, { duplicateOf: 'P' }), '2026-11-20T10:00');
    send(crm('F', 'UPDATED', 3, { followUpOf: 'P' }), '2026-11-20T10:00');
    expect(bridge.statusesOf('L').at(-1)?.lifecycleState).toBe('CANCELLED');
    expect(bridge.statusesOf('D').at(-1)?.lifecycleState).toBe('DUPLICATE');
    expect(bridge.statusesOf('F').at(-1)?.followUpOf).toBe('P');
    expect(october('2026-12-01T12:00')).toEqual(published);
    // Versions, not arrival order, say when each became so.
    expect(october('2026-12-01T12:00', 'reversed')).toEqual(published);
    expect(october('2026-12-01T12:00', 'odd-first')).toEqual(published);
  });
});

describe('R8: a duplicate is counted in the month it became one', () => {
  it('stays in that month when it resolves with its parent later', () => {
    send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-09-28T10:00') }), '2026-09-28T10:00');
    send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }), '2026-10-20T10:00');
    const duplicates = (month: string, now: string, reversed = false) => {
      const fold = new KpiTicketFold(NYC);
      for (const id of ['P', 'D']) {
        const statuses = bridge.statusesOf(id);
        for (const s of reversed ? [...statuses].reverse() : statuses) fold.apply(s);
      }
      return computeKpis(fold.tickets(), [], month, at(now), NYC)
        .filter((r) => r.duplicatesClosed > 0)
        .map((r) => [r.department, r.duplicatesClosed, r.duplicatesLinked]);
    };
    // Requested in September, declared a duplicate in October: October's.
    const published = duplicates('2026-10', '2026-11-01T12:00');
    expect(published).toEqual([['transportation', 1, 1]]);
    expect(duplicates('2026-09', '2026-11-01T12:00')).toEqual([]);

    // The parent is done on 10 November, and the duplicate resolves with it.
    send(dept('P', 'P#1', 'maximo', 'APPR', 2, { department: 'transportation' }), '2026-11-09T10:00');
    send(dept('P', 'P#1', 'maximo', 'COMP', 3, { department: 'transportation' }), '2026-11-10T10:00');
    // Its own work order, sent before the link, is cancelled by the department.
    send(dept('D', 'D#1', 'maximo', 'CAN', 1, { department: 'transportation' }), '2026-11-10T11:00');
    expect(bridge.statusesOf('D').at(-1)).toMatchObject({
      closureReason: 'DUPLICATE',
      resolvedAt: expect.any(Number),
    });
    expect(duplicates('2026-10', '2026-12-01T12:00')).toEqual(published);
    expect(duplicates('2026-10', '2026-12-01T12:00', true)).toEqual(published);
    expect(duplicates('2026-11', '2026-12-01T12:00')).toEqual([]);
  });
});
