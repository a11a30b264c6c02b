import { beforeEach, describe, expect, it } from 'vitest';
import { decideSlaCheck, type InboundEvent, type Policy } from '../../../src/domain/index.ts';
import { computeKpis } from '../../../src/domain/kpi/index.ts';
import { MAX_BACKDATE_MS, requestTime } from '../../../src/domain/request-time.ts';
import { ticketFromStatus } from '../../../src/kpi/from-status.ts';
import { KpiTicketFold } from '../../../src/kpi/ticket-fold.ts';
import { Bridge, crm, dept, slaTestPolicy, testPolicy } from '../../support/domain.ts';
import { MON_16, at, sendAt } from '../../support/sla.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});

const send = (input: InboundEvent, iso: string, processedAt?: number) => sendAt(bridge, input, iso, processedAt);
const open = (id: string, fields: Parameters<typeof crm>[3] = {}) =>
  send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16, ...fields }), '2026-11-16T10:00');
const maximo = (id: string, code: string, seq: number, iso: string, processedAt?: number) =>
  send(dept(id, `${id}#1`, 'maximo', code, seq, { department: 'transportation' }), iso, processedAt);
const NYC = 'America/New_York';
const check = (id: string, iso: string) => decideSlaCheck(bridge.ticket(id), { policy: bridge.policy, now: at(iso) });

describe('SLA clocks of linked tickets', () => {
  it('stops a duplicate clock at the link: no breach when it resolves with its parent weeks later', () => {
    open('P');
    open('D', { duplicateOf: 'P' });
    expect(bridge.lastStatus('D')).toMatchObject({ lifecycleState: 'DUPLICATE', duplicateOf: 'P' });
    expect(check('D', '2026-12-20T10:00').stateChanged).toBe(false);
    maximo('P', 'COMP', 2, '2026-11-30T10:00');
    expect(bridge.lastStatus('D')).toMatchObject({
      lifecycleState: 'RESOLVED',
      closureReason: 'DUPLICATE',
      responseBreached: false,
      completionBreached: false,
      // When the parent's resolution reached it.
      resolvedAt: at('2026-11-30T10:01'),
    });
    // The parent, which did the work late, carries the breach.
    expect(bridge.lastStatus('P')).toMatchObject({ completionBreached: true });
  });

  // Definition v3 (docs/kpi.md R8): placed by when it became a duplicate (here, with only the latest
  // status read, by its request), never by its resolution with the parent, which would move it out
  // of a month already published.
  it('counts a duplicate closed with its parent in the month it became one, not the month it closed', () => {
    send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-26T10:00') }), '2026-10-26T10:00');
    send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-28T10:00') }), '2026-10-28T10:00');
    send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }), '2026-10-29T10:00');
    maximo('P', 'COMP', 2, '2026-11-12T10:00');
    // Its own work order, sent before the link, is cancelled by the department.
    maximo('D', 'CAN', 3, '2026-11-12T11:00');
    expect(bridge.lastStatus('D')).toMatchObject({ lifecycleState: 'RESOLVED', closureReason: 'DUPLICATE' });
    const tickets = ['P', 'D'].map((id) => ticketFromStatus(bridge.lastStatus(id), 'America/New_York'));
    const closed = (month: string) =>
      computeKpis(tickets, [], month, at('2026-12-15T00:00'), 'America/New_York').reduce(
        (n, r) => n + r.duplicatesClosed,
        0,
      );
    expect([closed('2026-10'), closed('2026-11')]).toEqual([1, 0]);
  });

  it('gives a duplicate its parent releases the time it had left at the link', () => {
    open('P');
    open('D', { duplicateOf: 'P' });
    // Linked a minute after it opened (when the parent's answer came): its clock stands still,
    // which is no hold (slaPaused), and keeps its due dates while it is linked.
    expect(bridge.lastStatus('D')).toMatchObject({
      lifecycleState: 'DUPLICATE',
      responseDueAt: at('2026-11-18T10:00'),
      completionDueAt: at('2026-11-23T10:00'),
      slaPaused: false,
    });
    // Two weeks on, the parent is cancelled without its work: the duplicate is sent again.
    send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-30T10:00');
    maximo('P', 'CAN', 2, '2026-11-30T10:05');
    // Both targets move out by what was left at the link (2 and 5 business days less a minute),
    // counted from the release (10:06); Thursday 26 and Friday 27 (Thanksgiving) are behind it.
    expect(bridge.lastStatus('D')).toMatchObject({
      lifecycleState: 'ROUTED',
      duplicateOf: null,
      responseDueAt: at('2026-12-02T10:05'),
      completionDueAt: at('2026-12-07T10:05'),
      responseBreached: false,
      completionBreached: false,
      slaPaused: false,
    });
    expect(check('D', '2026-12-01T10:00').stateChanged).toBe(false);
    // Its new work order is taken on the same day and done the next: both targets met.
    const created = bridge.commands.filter((c) => c.ticketId === 'D' && c.kind === 'CREATE').at(-1);
    const own = (code: string, seq: number, iso: string) =>
      send(dept('D', created?.workOrderId ?? '', 'maximo', code, seq, { department: 'transportation' }), iso);
    own('APPR', 3, '2026-11-30T11:00');
    own('COMP', 4, '2026-12-01T15:00');
    expect(bridge.lastStatus('D')).toMatchObject({
      lifecycleState: 'RESOLVED',
      responseBreached: false,
      completionBreached: false,
    });
    // Its days to resolve leave out the linked time: a minute before it, 28 h 54 min after.
    expect(bridge.lastStatus('D').businessDaysToResolve).toBeCloseTo((1 + 28 * 60 + 54) / 1440, 9);
    const [kpi] = computeKpis(
      [ticketFromStatus(bridge.lastStatus('D'), NYC)],
      [],
      '2026-12',
      at('2027-01-05T00:00'),
      NYC,
    );
    expect(kpi).toMatchObject({ responseDue: 1, respondedOnTime: 1, completionDue: 1, completedOnTime: 1 });
  });

  it('closes the hold of a ticket linked while on hold when it resolves with its parent', () => {
    open('P');
    open('D');
    maximo('D', 'APPR', 2, '2026-11-17T09:00');
    // On hold for parts from Wednesday 18 10:00, with 3 business days left of the 5.
    maximo('D', 'WMATL', 3, '2026-11-18T10:00');
    send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }), '2026-11-24T10:00');
    maximo('P', 'COMP', 2, '2026-12-10T10:00');
    maximo('D', 'CAN', 4, '2026-12-10T11:00');
    // The hold ends with the resolution (11:00): the 3 days left count again from it.
    expect(bridge.lastStatus('D')).toMatchObject({
      lifecycleState: 'RESOLVED',
      closureReason: 'DUPLICATE',
      resolvedAt: at('2026-12-10T11:00'),
      completionDueAt: at('2026-12-15T11:00'),
      completionBreached: false,
      slaPaused: false,
      slaPausedAt: null,
    });
    // The KPIs agree: its target never fell due while it was the department's, in no month; it
    // counts as a duplicate in November, when it became one.
    const fold = new KpiTicketFold(NYC);
    for (const s of bridge.statusesOf('D')) fold.apply(s);
    const figures = ['2026-11', '2026-12'].map((month) =>
      computeKpis([...fold.tickets()], [], month, at('2027-01-10T00:00'), NYC).map((k) => ({
        completionDue: k.completionDue,
        duplicatesClosed: k.duplicatesClosed,
      })),
    );
    expect(figures).toEqual([[{ completionDue: 0, duplicatesClosed: 1 }], []]);
  });

  it('does not flag a follow-up that mirrors its original on hold', () => {
    open('O');
    open('F', { followUpOf: 'O' });
    maximo('O', 'WMATL', 2, '2026-11-17T10:00');
    expect(bridge.lastStatus('F').lifecycleState).toBe('ON_HOLD');
    expect(check('F', '2026-12-20T10:00').stateChanged).toBe(false);
    // Nor the original: it responded, and its completion clock is paused for parts.
    expect(check('O', '2026-12-20T10:00').stateChanged).toBe(false);
  });
});

describe('SLA clocks and config changes', () => {
  const withoutPolicies = (): Policy => {
    const tables = bridge.policy.sla;
    if (!tables) throw new Error('no SLA tables');
    return { ...bridge.policy, sla: { ...tables, policyFor: () => null, policyNamed: () => undefined } };
  };

  it('keeps the due dates of a running clock whose policy was removed, and times it no more', () => {
    open('T1');
    const before = bridge.lastStatus('T1');
    Object.assign(bridge, { policy: withoutPolicies() });
    expect(check('T1', '2026-11-30T10:00').stateChanged).toBe(false);
    // Its next event keeps the due dates the ticket was given, and judges them.
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    maximo('T1', 'COMP', 3, '2026-11-25T10:00');
    expect(bridge.lastStatus('T1')).toMatchObject({
      lifecycleState: 'RESOLVED',
      slaPolicy: 'POTHOLE',
      responseDueAt: before.responseDueAt,
      completionDueAt: before.completionDueAt,
      respondedAt: at('2026-11-17T09:00'),
      resolvedAt: at('2026-11-25T10:00'),
      responseBreached: false,
      completionBreached: true,
    });
  });

  it('leaves the verdicts of a ticket resolved before its policy was removed, and its month, as they were', () => {
    send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    maximo('T1', 'APPR', 2, '2026-10-06T10:00');
    maximo('T1', 'COMP', 3, '2026-10-20T10:00');
    const october = () => {
      const fold = new KpiTicketFold(NYC);
      for (const s of bridge.statusesOf('T1')) fold.apply(s);
      return computeKpis([...fold.tickets()], [], '2026-10', at('2026-12-15T00:00'), NYC);
    };
    const published = october();
    expect(published).toMatchObject([{ completionDue: 1, completedOnTime: 0, resolved: 1 }]);
    const resolved = bridge.lastStatus('T1');
    Object.assign(bridge, { policy: withoutPolicies() });
    // In December the resident thanks the crew: any status it publishes has the SLA fields it had.
    send(crm('T1', 'UPDATED', 4, { note: 'Resident thanks the crew' }), '2026-12-02T10:00');
    const sla = (s: typeof resolved) => ({
      slaPolicy: s.slaPolicy,
      slaTimeZone: s.slaTimeZone,
      responseDueAt: s.responseDueAt,
      completionDueAt: s.completionDueAt,
      respondedAt: s.respondedAt,
      resolvedAt: s.resolvedAt,
      responseBreached: s.responseBreached,
      completionBreached: s.completionBreached,
      businessDaysToResolve: s.businessDaysToResolve,
      calendarDaysToResolve: s.calendarDaysToResolve,
    });
    expect(sla(bridge.lastStatus('T1'))).toEqual(sla(resolved));
    expect(october()).toEqual(published);
  });

  it('starts no backdated clock for a ticket that was open before SLAs were configured', async () => {
    bridge = new Bridge(await testPolicy());
    open('T1');
    const legacy = bridge.ticket('T1');
    bridge = new Bridge(await slaTestPolicy());
    bridge.tickets.set('T1', legacy);
    maximo('T1', 'APPR', 2, '2026-11-20T10:00');
    expect(bridge.lastStatus('T1')).toMatchObject({
      lifecycleState: 'ACCEPTED',
      slaPolicy: null,
      responseBreached: false,
    });
  });
  it('starts no backdated clock at the first live event of history imported before SLAs were configured', async () => {
    bridge = new Bridge(await testPolicy());
    const importedOpen = crm(
      'H1',
      'OPENED',
      0,
      { serviceCode: 'POTHOLE', requestedAt: MON_16, department: 'transportation' },
      { origin: 'import', eventId: 'H1:opened', sequence: null },
    );
    send(importedOpen, '2026-11-16T10:00', at('2026-11-27T09:00'));
    const history = bridge.ticket('H1');
    expect([history.version < 0, history.sla]).toEqual([true, null]);
    bridge = new Bridge(await slaTestPolicy());
    bridge.tickets.set('H1', history);
    // Days later, with SLAs configured, the department reports on it.
    const report = dept('H1', 'MX-1', 'maximo', 'INPRG', 1, { department: 'transportation' }, { sequence: null });
    send(report, '2026-11-30T10:00');
    expect(bridge.lastStatus('H1')).toMatchObject({
      lifecycleState: 'IN_PROGRESS',
      slaPolicy: null,
      responseDueAt: null,
      completionDueAt: null,
      responseBreached: false,
      completionBreached: false,
    });
  });
});

describe('SLA instants from the sources', () => {
  it('starts the clock at the event when the request time is later than it, or absurdly early', () => {
    const event = at('2026-11-16T10:00');
    const clockStart = (requestedAt: number | null, occurredAt: number, now: number) =>
      requestTime(requestedAt, occurredAt, { policy: bridge.policy, now }).at;
    expect(clockStart(event - 3_600_000, event, event + 5)).toBe(event - 3_600_000);
    expect(clockStart(event + 86_400_000, event, event + 5)).toBe(event);
    expect(clockStart(0, event, event + 5)).toBe(event);
    expect(clockStart(event - MAX_BACKDATE_MS - 1, event, event + 5)).toBe(event);
    expect(clockStart(null, event, event + 5)).toBe(event);
    // A source clock in the future does not start the clock after processing time.
    expect(clockStart(null, event + 86_400_000, event)).toBe(event);
    expect(clockStart(Number.NaN, 9e18, event)).toBe(event);
  });

  it('opens a ticket with a request time beyond what a Date holds without throwing, and quarantines the time', () => {
    expect(() => open('T1', { requestedAt: 9e18 })).not.toThrow();
    expect(bridge.lastStatus('T1').responseDueAt).toBe(at('2026-11-18T10:00'));
    expect(bridge.violationsOf('T1')).toMatchObject([
      { kind: 'IMPLAUSIBLE_TIME', detail: expect.stringContaining('request time 9000000000000000000') as unknown },
    ]);
    open('T2');
    expect(bridge.violationsOf('T2')).toEqual([]);
  });

  it('judges a hold that starts exactly at the due instant late in the status, the timer and the KPIs alike', () => {
    open('T1');
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    const due = at('2026-11-23T10:00');
    expect(bridge.lastStatus('T1').completionDueAt).toBe(due);
    // Put on hold for parts at that very instant (a minute before it is processed).
    maximo('T1', 'WMATL', 3, '2026-11-23T10:00');
    expect(bridge.lastStatus('T1')).toMatchObject({ slaPaused: true, slaPausedAt: due, completionBreached: true });
    expect(check('T1', '2026-12-20T10:00').stateChanged).toBe(false);
    const [kpi] = computeKpis(
      [ticketFromStatus(bridge.lastStatus('T1'), NYC)],
      [],
      '2026-11',
      at('2026-12-20T10:00'),
      NYC,
    );
    expect(kpi).toMatchObject({ completionDue: 1, completedOnTime: 0, stillOpenPastDue: 1 });
  });

  it('withdraws a timer flag when a late-delivered acceptance shows the target was met', () => {
    open('T1');
    const flagged = check('T1', '2026-11-18T10:05');
    expect(flagged.statuses[0]).toMatchObject({ responseBreached: true });
    if (!flagged.state) throw new Error('no state');
    bridge.tickets.set('T1', flagged.state);
    maximo('T1', 'APPR', 2, '2026-11-18T09:00', at('2026-11-18T11:00'));
    expect(bridge.lastStatus('T1')).toMatchObject({
      respondedAt: at('2026-11-18T09:00'),
      responseBreached: false,
      version: 3,
    });
  });
});
