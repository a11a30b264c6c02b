import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent, Policy } from '../../../src/domain/index.ts';
import { computeKpis } from '../../../src/domain/kpi/index.ts';
import { KpiTicketFold } from '../../../src/kpi/ticket-fold.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';
import { MON_16, at, sendAt } from '../../support/sla.ts';

/*
 * A clock whose policy was removed from config, alone or with its calendar (or the whole sla:
 * section, which README allows): what it published stands, and it is never judged over time
 * that was not the department's.
 */

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});
const send = (input: InboundEvent, iso: string) => sendAt(bridge, input, iso);
const maximo = (id: string, code: string, seq: number, iso: string) =>
  send(dept(id, `${id}#1`, 'maximo', code, seq, { department: 'transportation' }), iso);
const NYC = 'America/New_York';
const remove = (p: Policy, calendarToo: boolean): Policy => {
  if (!p.sla) throw new Error('the test policy has SLAs');
  const sla = { ...p.sla, policyFor: () => null, policyNamed: () => undefined };
  return { ...p, sla: calendarToo ? { ...sla, calendarNamed: () => undefined } : sla };
};
const removals: [string, (p: Policy) => Policy][] = [
  ['its policy (calendar kept)', (p) => remove(p, false)],
  ['the whole sla section', (p) => ({ ...p, sla: null })],
  ['its policy and its calendar', (p) => remove(p, true)],
];
const month = (id: string, yyyyMm: string) => {
  const fold = new KpiTicketFold(NYC);
  for (const s of bridge.statusesOf(id)) fold.apply(s);
  return computeKpis([...fold.tickets()], [], yyyyMm, at('2026-12-15T00:00'), NYC);
};

describe.each(removals)('SLA clocks after removing %s', (_, removal) => {
  it('a resolved ticket’s next status keeps its SLA fields, and its month its figures', () => {
    send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    maximo('T1', 'APPR', 2, '2026-10-06T10:00');
    maximo('T1', 'COMP', 3, '2026-10-20T10:00');
    const october = month('T1', '2026-10');
    const resolved = bridge.lastStatus('T1');
    expect(resolved.businessDaysToResolve).toEqual(expect.any(Number));
    Object.assign(bridge, { policy: removal(bridge.policy) });
    // December: a follow-up asks for a review and the department reopens the work: a new status.
    send(
      crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'T1', requestedAt: at('2026-12-02T10:00') }),
      '2026-12-02T10:00',
    );
    const n = bridge.statusesOf('T1').length;
    maximo('T1', 'INPRG', 4, '2026-12-03T10:00');
    const after = bridge.lastStatus('T1');
    expect(bridge.statusesOf('T1').length).toBeGreaterThan(n);
    const sla = (s: typeof after) => ({
      slaPolicy: s.slaPolicy,
      slaTimeZone: s.slaTimeZone,
      completionDueAt: s.completionDueAt,
      resolvedAt: s.resolvedAt,
      completionBreached: s.completionBreached,
      businessDaysToResolve: s.businessDaysToResolve,
      calendarDaysToResolve: s.calendarDaysToResolve,
    });
    expect(sla(after)).toEqual(sla(resolved));
    expect(month('T1', '2026-10')).toEqual(october);
  });

  it('a ticket on an excused hold is not judged late for the hold, nor its month moved', () => {
    send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16 }), '2026-11-16T10:00');
    maximo('T1', 'APPR', 2, '2026-11-17T09:00');
    maximo('T1', 'WMATL', 3, '2026-11-18T10:00');
    const completion = () => month('T1', '2026-11').map((k) => [k.completionDue, k.completedOnTime]);
    const november = completion();
    Object.assign(bridge, { policy: removal(bridge.policy) });
    maximo('T1', 'COMP', 4, '2026-12-10T10:00');
    const s = bridge.lastStatus('T1');
    expect(s).toMatchObject({ resolvedAt: at('2026-12-10T10:00'), completionBreached: false, slaPaused: false });
    expect(completion()).toEqual(november);
  });
});

describe('a duplicate released after its policy was removed', () => {
  const openBoth = () => {
    send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16 }), '2026-11-16T10:00');
    send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16, duplicateOf: 'P' }), '2026-11-16T10:00');
  };
  const cancelParent = () => {
    send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-30T10:00');
    maximo('P', 'CAN', 2, '2026-11-30T10:05');
    return bridge.lastStatus('D');
  };

  it('gets back the time each target had left at the link, as README says (calendar kept)', () => {
    openBoth();
    Object.assign(bridge, { policy: remove(bridge.policy, false) });
    expect(cancelParent()).toMatchObject({
      lifecycleState: 'ROUTED',
      responseDueAt: at('2026-12-02T10:05'),
      completionDueAt: at('2026-12-07T10:05'),
      responseBreached: false,
      completionBreached: false,
    });
  });

  it('without its calendar, has no response target left to miss rather than a due date it could not move', () => {
    openBoth();
    const before = bridge.lastStatus('D');
    Object.assign(bridge, { policy: remove(bridge.policy, true) });
    expect(cancelParent()).toMatchObject({
      lifecycleState: 'ROUTED',
      responseDueAt: null,
      completionDueAt: before.completionDueAt,
      responseBreached: false,
      completionBreached: false,
    });
  });
});
