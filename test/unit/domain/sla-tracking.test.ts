import { beforeEach, describe, expect, it } from 'vitest';
import { breachesFlagged, decideSlaCheck, type InboundEvent } from '../../../src/domain/index.ts';
import { computeKpis } from '../../../src/domain/kpi/index.ts';
import { ticketFromStatus } from '../../../src/kpi/from-status.ts';
import { KpiTicketFold } from '../../../src/kpi/ticket-fold.ts';
import { Bridge, crm, dept, slaTestPolicy, testPolicy } from '../../support/domain.ts';
import { MON_16, at, sendAt } from '../../support/sla.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});

const NYC = 'America/New_York';
const send = (input: InboundEvent, iso: string, processedAt?: number) => sendAt(bridge, input, iso, processedAt);

const open = (id: string, serviceCode: string) =>
  send(crm(id, 'OPENED', 1, { serviceCode, requestedAt: MON_16 }), '2026-11-16T10:00');
const maximo = (id: string, code: string, seq: number, iso: string) =>
  send(dept(id, `${id}#1`, 'maximo', code, seq, { department: 'transportation' }), iso);

describe('SLA clocks in the lifecycle', () => {
  it('computes both due dates on the business calendar when the ticket opens', () => {
    open('T1', 'POTHOLE');
    expect(bridge.lastStatus('T1')).toMatchObject({
      requestedAt: MON_16,
      slaPolicy: 'POTHOLE',
      slaTimeZone: 'America/New_York',
      responseDueAt: at('2026-11-18T10:00'),
      completionDueAt: at('2026-11-23T10:00'),
      respondedAt: null,
      resolvedAt: null,
      responseBreached: false,
      completionBreached: false,
      slaPaused: false,
    });
  });

  it('stops the response clock at acceptance, pauses for an allowed hold and moves the due date on resume', () => {
    open('T1', 'POTHOLE');
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    expect(bridge.lastStatus('T1')).toMatchObject({ lifecycleState: 'ACCEPTED', respondedAt: at('2026-11-17T09:00') });

    maximo('T1', 'WMATL', 3, '2026-11-18T10:00');
    expect(bridge.lastStatus('T1')).toMatchObject({
      lifecycleState: 'ON_HOLD',
      holdReason: 'PARTS',
      slaPaused: true,
      slaPausedAt: at('2026-11-18T10:00'),
      completionDueAt: at('2026-11-23T10:00'),
    });

    // Three business days were left at the pause; counted again from Friday's resume.
    maximo('T1', 'INPRG', 4, '2026-11-20T10:00');
    expect(bridge.lastStatus('T1')).toMatchObject({
      lifecycleState: 'IN_PROGRESS',
      slaPaused: false,
      slaPausedAt: null,
      holdReason: null,
      completionDueAt: at('2026-11-25T10:00'),
    });

    maximo('T1', 'COMP', 5, '2026-11-24T16:00');
    const done = bridge.lastStatus('T1');
    expect(done).toMatchObject({
      lifecycleState: 'RESOLVED',
      resolvedAt: at('2026-11-24T16:00'),
      completionBreached: false,
      responseBreached: false,
      // Mon 10:00 → Tue+1wk 16:00 is 6.25 business days, two of them on hold; 8¼ days of wall time.
      businessDaysToResolve: 4.25,
      calendarDaysToResolve: 8.25,
    });
  });

  it('lets the clock run through a hold whose reason the policy does not excuse', () => {
    open('G1', 'GRASS');
    const posse = (code: string, seq: number, iso: string) =>
      send(dept('G1', 'G1#1', 'posse', code, seq, { department: 'housing' }), iso);
    posse('HOLD_OWNER', 2, '2026-11-17T10:00');
    expect(bridge.lastStatus('G1')).toMatchObject({ holdReason: 'AWAITING_REQUESTOR', slaPaused: false });
    const due = bridge.lastStatus('G1').completionDueAt;

    posse('HOLD_WEATHER', 3, '2026-11-18T10:00');
    expect(bridge.lastStatus('G1')).toMatchObject({ holdReason: 'WEATHER', slaPaused: true });

    // Back to a reason that does not pause: the weather pause (one business day) ends there.
    posse('HOLD_OWNER', 4, '2026-11-19T10:00');
    expect(bridge.lastStatus('G1')).toMatchObject({ holdReason: 'AWAITING_REQUESTOR', slaPaused: false });
    // Ten business days from Mon 16 Nov skip Thanksgiving and the day after.
    expect(due).toBe(at('2026-12-02T10:00'));
    expect(bridge.lastStatus('G1').completionDueAt).toBe(at('2026-12-03T10:00'));
  });

  it('judges a late-delivered event by when it happened', () => {
    open('T1', 'POTHOLE');
    send(
      dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      '2026-11-17T09:00',
      at('2026-11-19T12:00'),
    );
    expect(bridge.lastStatus('T1')).toMatchObject({ respondedAt: at('2026-11-17T09:00'), responseBreached: false });
  });

  it('flags a breach at resolution when the work finished after its due date', () => {
    open('T1', 'POTHOLE');
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    maximo('T1', 'COMP', 3, '2026-11-24T09:00');
    expect(bridge.lastStatus('T1')).toMatchObject({ completionBreached: true, responseBreached: false });
  });

  it('runs calendar-hour targets through nights and weekends', () => {
    open('W1', 'WATER');
    expect(bridge.lastStatus('W1')).toMatchObject({
      responseDueAt: at('2026-11-16T14:00'),
      completionDueAt: at('2026-11-18T10:00'),
    });
  });

  it('runs no clock for a service code without a policy, and none when SLAs are not configured', async () => {
    open('D1', 'DUMPING');
    expect(bridge.lastStatus('D1')).toMatchObject({ requestedAt: MON_16, slaPolicy: null, responseDueAt: null });
    bridge = new Bridge(await testPolicy());
    open('T1', 'POTHOLE');
    expect(bridge.lastStatus('T1')).toMatchObject({ requestedAt: MON_16, slaPolicy: null, completionDueAt: null });
    expect(bridge.ticket('T1').sla).toBeNull();
  });
});

describe('the SLA timer', () => {
  it('flags a breach once, at the first check past the due instant, with a replayable id', () => {
    open('T1', 'POTHOLE');
    const before = bridge.ticket('T1');
    const ctx = (iso: string) => ({ policy: bridge.policy, now: at(iso) });
    expect(decideSlaCheck(before, ctx('2026-11-18T10:00')).stateChanged).toBe(false);

    const late = decideSlaCheck(before, ctx('2026-11-18T10:01'));
    expect(late.statuses).toHaveLength(1);
    expect(late.statuses[0]).toMatchObject({
      version: before.version + 1,
      lifecycleState: 'ROUTED',
      responseBreached: true,
      completionBreached: false,
      envelope: { eventId: 'T1/sla-breach/response/status-1' },
    });
    expect(decideSlaCheck(before, ctx('2026-11-18T11:00')).statuses[0]?.envelope.eventId).toBe(
      late.statuses[0]?.envelope.eventId,
    );
    const flagged = late.state;
    if (!flagged) throw new Error('no state');
    // Counted once, under the department holding the work.
    expect(breachesFlagged(before, flagged)).toEqual([{ target: 'response', department: 'transportation' }]);
    expect(breachesFlagged(flagged, flagged)).toEqual([]);
    expect(decideSlaCheck(flagged, ctx('2026-11-20T10:00')).stateChanged).toBe(false);
    expect(decideSlaCheck(flagged, ctx('2026-11-23T10:01')).statuses[0]).toMatchObject({
      responseBreached: true,
      completionBreached: true,
      envelope: { eventId: 'T1/sla-breach/completion/status-1' },
    });
  });

  it('leaves resolved and paused tickets alone', () => {
    open('T1', 'POTHOLE');
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    maximo('T1', 'WMATL', 3, '2026-11-18T10:00');
    const ctx = { policy: bridge.policy, now: at('2026-12-15T10:00') };
    expect(decideSlaCheck(bridge.ticket('T1'), ctx).stateChanged).toBe(false);
    maximo('T1', 'COMP', 4, '2026-11-19T10:00');
    expect(decideSlaCheck(bridge.ticket('T1'), ctx).stateChanged).toBe(false);
  });

  it('rounds days to resolve once, in the KPI: 1.00495 days reads 1.00, not 1.005 rounded again to 1.01', () => {
    open('T1', 'POTHOLE');
    // 86 827 680 ms is exactly 1.00495 days, on two business days of Baltimore's calendar.
    maximo('T1', 'COMP', 2, '2026-11-17T10:07:07.680');
    expect(bridge.lastStatus('T1')).toMatchObject({
      resolvedAt: MON_16 + 86_827_680,
      businessDaysToResolve: 1.00495,
      calendarDaysToResolve: 1.00495,
    });
    const [kpi] = computeKpis(
      [ticketFromStatus(bridge.lastStatus('T1'), NYC)],
      [],
      '2026-11',
      at('2026-12-01T12:00'),
      NYC,
    );
    expect(kpi).toMatchObject({
      resolved: 1,
      medianBusinessDaysToResolve: 1,
      p90BusinessDaysToResolve: 1,
      medianCalendarDaysToResolve: 1,
    });
  });

  it("keeps a past month's figures when a resolved ticket is reopened later: the reopen is new work", () => {
    const kpi = (month: string, now: string) =>
      computeKpis([ticketFromStatus(bridge.lastStatus('O'), NYC)], [], month, at(now), NYC)[0];
    send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    maximo('O', 'APPR', 2, '2026-10-06T10:00');
    maximo('O', 'COMP', 3, '2026-10-07T10:00');
    const october = kpi('2026-10', '2026-11-01T12:00');
    expect(october).toMatchObject({ completionDue: 1, completedOnTimePct: 100, resolved: 1, stillOpenPastDue: 0 });
    // A follow-up after the due date (13 Oct), and the department takes the work up again.
    send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }), '2026-11-05T10:00');
    maximo('O', 'INPRG', 4, '2026-11-06T10:00');
    expect(bridge.lastStatus('O')).toMatchObject({
      lifecycleState: 'REOPENED',
      resolvedAt: at('2026-10-07T10:00'),
      completionBreached: false,
    });
    expect(kpi('2026-10', '2026-11-07T12:00')).toEqual({ ...october, computedAt: at('2026-11-07T12:00') });
    maximo('O', 'COMP', 5, '2026-11-09T10:00');
    expect(bridge.lastStatus('O')).toMatchObject({ lifecycleState: 'RESOLVED', resolvedAt: at('2026-10-07T10:00') });
    expect(kpi('2026-10', '2026-11-10T12:00')).toEqual({ ...october, computedAt: at('2026-11-10T12:00') });
    expect(kpi('2026-11', '2026-12-01T12:00')).toBeUndefined();
  });

  describe('judged as it stood at its first resolution (R3), as the KPI job folds every status', () => {
    /** Every status of O folded as the KPI job reads the topic, which keeps them all. */
    const folded = () => {
      const fold = new KpiTicketFold(NYC);
      for (const s of bridge.statusesOf('O')) fold.apply(s);
      return [...fold.tickets()];
    };
    const october = (now: string) => computeKpis(folded(), [], '2026-10', at(now), NYC)[0];
    const resolveInOctoberThenReopen = () => {
      send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
      maximo('O', 'APPR', 2, '2026-10-06T10:00');
      maximo('O', 'COMP', 3, '2026-10-07T10:00');
      const published = october('2026-11-01T12:00');
      expect(published).toMatchObject({
        department: 'transportation',
        completionDue: 1,
        completedOnTimePct: 100,
        resolved: 1,
        duplicatesClosed: 0,
      });
      send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }), '2026-11-05T10:00');
      maximo('O', 'INPRG', 4, '2026-11-06T10:00');
      expect(bridge.lastStatus('O')).toMatchObject({ lifecycleState: 'REOPENED' });
      return published;
    };

    it("keeps a past month's figures when the reopened ticket is then cancelled", () => {
      const published = resolveInOctoberThenReopen();
      send(crm('O', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-08T10:00');
      maximo('O', 'CAN', 5, '2026-11-08T11:00');
      expect(bridge.lastStatus('O')).toMatchObject({
        lifecycleState: 'CANCELLED',
        resolvedAt: at('2026-10-07T10:00'),
      });
      expect(october('2026-11-10T12:00')).toEqual({ ...published, computedAt: at('2026-11-10T12:00') });
    });

    it("keeps a past month's figures when the reopened ticket is then linked as a duplicate, and counts no duplicate there", () => {
      const published = resolveInOctoberThenReopen();
      send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }), '2026-11-07T10:00');
      send(crm('O', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }), '2026-11-08T10:00');
      expect(bridge.lastStatus('O')).toMatchObject({
        lifecycleState: 'DUPLICATE',
        duplicateOf: 'P',
        resolvedAt: at('2026-10-07T10:00'),
      });
      // R8: it was its own work when it resolved, so October has no duplicate closed from it.
      expect(october('2026-11-10T12:00')).toEqual({ ...published, computedAt: at('2026-11-10T12:00') });
    });

    // Counted under the department holding the work now, the October resolution moved to
    // another department's October figures once the reopened work went there.
    it("keeps a past month's figures under the department that resolved it when the reopened work goes to another", () => {
      const published = resolveInOctoberThenReopen();
      send(
        dept(
          'O',
          'O#2',
          'posse',
          'INSPECTION_STARTED',
          1,
          { department: 'housing' },
          { occurredAt: at('2026-11-07T10:00') },
        ),
        '2026-11-07T10:00',
      );
      expect(ticketFromStatus(bridge.lastStatus('O'), NYC).department).toBe('housing');
      expect(october('2026-11-10T12:00')).toEqual({ ...published, computedAt: at('2026-11-10T12:00') });
    });

    // Only the targets that had not fallen due yet: the response, due on 7 Oct, was already met when
    // the ticket was cancelled on 8 Oct, and that verdict stands (R3); the completion, due 12 Oct, is left out.
    it('leaves out the targets of a ticket cancelled before any resolution that fell due after the cancel', () => {
      send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
      maximo('O', 'APPR', 2, '2026-10-06T10:00');
      send(crm('O', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-10-08T10:00');
      maximo('O', 'CAN', 3, '2026-10-08T11:00');
      expect(bridge.lastStatus('O')).toMatchObject({ lifecycleState: 'CANCELLED', resolvedAt: null });
      expect(folded()[0]?.atResolution).toBeNull();
      expect(october('2026-11-10T12:00')).toMatchObject({
        ...{ responseDue: 1, respondedOnTime: 1, completionDue: 0, stillOpenPastDue: 0, resolved: 0 },
      });
    });
  });
});
