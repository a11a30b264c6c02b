import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import { calendarDefinitionSchema } from '../../../src/config/sla-schema.ts';
import type { KpiTicket, KpiViolation } from '../../../src/domain/kpi/index.ts';
import {
  completionElapsed,
  createCalendar,
  markResolved,
  markResponded,
  pauseClock,
  resumeClock,
  startClock,
  type SlaClock,
  type SlaPolicy,
} from '../../../src/domain/sla/index.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const NYC = 'America/New_York';

/** The shipped Baltimore calendar: Election Day 3 Nov, Veterans Day 11 Nov, Thanksgiving 26–27 Nov 2026. */
export const baltimore = createCalendar(
  calendarDefinitionSchema.parse(parse(readFileSync(path.join(repoRoot, 'config/calendars/baltimore.yaml'), 'utf8'))),
);

export const at = (iso: string): number => DateTime.fromISO(iso, { zone: NYC }).toMillis();
export const local = (ms: number | null): string | null =>
  ms === null ? null : DateTime.fromMillis(ms, { zone: NYC }).toFormat("yyyy-MM-dd'T'HH:mm");

/** The audit's example policy: respond within 5 business days, complete within 10. */
export const policy: SlaPolicy = {
  name: 'SR-EXAMPLE',
  calendar: 'baltimore',
  response: { amount: 5, unit: 'business_days' },
  completion: { amount: 10, unit: 'business_days' },
  pauseReasons: ['AWAITING_REQUESTOR'],
};

export interface Story {
  readonly id: string;
  readonly department: string | null;
  readonly state: KpiTicket['lifecycleState'];
  readonly reason?: KpiTicket['closureReason'];
  readonly duplicateOf?: string;
  readonly followUpOf?: string;
  readonly opened: string;
  readonly responded?: string;
  readonly hold?: readonly [from: string, to: string];
  readonly resolved?: string;
}

/** Runs a ticket's story through the SLA clock and reduces it to the KPI input, as the processor does. */
export function ticket(s: Story, now: number): KpiTicket {
  let clock: SlaClock = startClock(policy, baltimore, at(s.opened));
  if (s.responded) clock = markResponded(clock, at(s.responded));
  if (s.hold) {
    clock = pauseClock(clock, policy, baltimore, at(s.hold[0]), 'AWAITING_REQUESTOR').clock;
    clock = resumeClock(clock, policy, baltimore, at(s.hold[1]));
  }
  if (s.resolved) clock = markResolved(clock, baltimore, at(s.resolved));
  const elapsed = s.resolved ? completionElapsed(clock, baltimore, now) : null;
  return {
    ticketId: s.id,
    department: s.department,
    serviceCode: policy.name,
    lifecycleState: s.state,
    closureReason: s.reason ?? null,
    duplicateOf: s.duplicateOf ?? null,
    followUpOf: s.followUpOf ?? null,
    requestedAt: at(s.opened),
    responseDueAt: clock.responseDueAt,
    completionDueAt: clock.completionDueAt,
    respondedAt: clock.respondedAt,
    resolvedAt: clock.resolvedAt,
    businessDaysToResolve: elapsed?.businessDays ?? null,
    calendarDaysToResolve: elapsed?.calendarDays ?? null,
    pausedAt: null,
    timeZone: NYC,
  };
}

/*
 * Hand-computed fixture (docs/kpi.md walks through it). Policy: respond within 5 business days,
 * complete within 10, Baltimore calendar. November 2026 holidays: Tue 3 (Election Day), Wed 11
 * (Veterans Day), Thu 26 and Fri 27 (Thanksgiving). DST ends Sun 1 Nov. Computed on 3 Dec 12:00.
 */
export const now = at('2026-12-03T12:00');
const stories = [
  // The audit's example: responded on day 1, resolved 7 calendar days = 5 business days after
  // opening. On time for both targets; "closed within 5 days" would call it late. Thanksgiving
  // pushes its completion due to 2 Dec, so it counts in December's completion figure.
  {
    id: 'T1',
    department: 'transportation',
    state: 'RESOLVED',
    reason: 'WORK_COMPLETED',
    opened: '2026-11-16T10:00',
    responded: '2026-11-17T10:00',
    resolved: '2026-11-23T10:00',
  },
  // Opened on a Friday afternoon; weekend, Election Day and Veterans Day do not count. Response
  // (due Mon 9 Nov 15:00) late; completion (due Tue 17 Nov 15:00) on time, which a calendar
  // without the two holidays (due Fri 13 Nov) would have called late.
  {
    id: 'T2',
    department: 'transportation',
    state: 'RESOLVED',
    reason: 'WORK_COMPLETED',
    opened: '2026-10-30T15:00',
    responded: '2026-11-10T09:00',
    resolved: '2026-11-17T11:00',
  },
  // Three business days on hold (Mon 16 09:00 – Thu 19 09:00) move the completion due from
  // Wed 18 to Mon 23 Nov 09:00, so a resolve on Fri 20 is on time.
  {
    id: 'T3',
    department: 'transportation',
    state: 'RESOLVED',
    reason: 'WORK_COMPLETED',
    opened: '2026-11-02T09:00',
    responded: '2026-11-02T12:00',
    hold: ['2026-11-16T09:00', '2026-11-19T09:00'],
    resolved: '2026-11-20T16:00',
  },
  // Never answered, still open: late on both targets in November, and still open past due.
  { id: 'T4', department: 'solid-waste', state: 'ROUTED', opened: '2026-11-02T10:00' },
  // Response due Wed 2 Dec (on time, December); completion due 9 Dec, not yet known: left out.
  { id: 'T5', department: 'solid-waste', state: 'ASSIGNED', opened: '2026-11-23T10:00', responded: '2026-11-24T10:00' },
  // A linked duplicate, resolved with its parent: in the link coverage, never in the SLA figures.
  {
    id: 'T6',
    department: 'solid-waste',
    state: 'RESOLVED',
    reason: 'DUPLICATE',
    duplicateOf: 'T0',
    opened: '2026-11-10T09:00',
    resolved: '2026-11-12T14:00',
  },
  // Cancelled by the requester with both dues in November: not the department's clock.
  { id: 'T9', department: 'housing', state: 'CANCELLED', reason: 'CANCELLED_BY_REQUESTOR', opened: '2026-11-06T09:00' },
  // The department tried to close it on 5 Nov while merely scheduled (V2); really done 9 Nov.
  {
    id: 'T10',
    department: 'housing',
    state: 'RESOLVED',
    reason: 'WORK_COMPLETED',
    opened: '2026-11-04T09:00',
    responded: '2026-11-04T11:00',
    resolved: '2026-11-09T12:00',
  },
  // Response due Tue 8 Dec, after now: left out of December's response figure.
  { id: 'T11', department: 'solid-waste', state: 'ROUTED', opened: '2026-12-01T10:00' },
] as const;
export const input = [
  ...stories.map((s) => ticket(s, now)),
  // Declared a duplicate before routing, so it counts under 'unrouted'; no SLA policy applies.
  {
    ...ticket({ id: 'T7', department: null, state: 'DUPLICATE', duplicateOf: 'T4', opened: '2026-11-19T10:00' }, now),
    responseDueAt: null,
    completionDueAt: null,
  },
];
export const violations: KpiViolation[] = [
  {
    ticketId: 'T8',
    kind: 'MISSING_PARENT',
    department: 'solid-waste',
    occurredAt: at('2026-11-12T12:00'),
    linkType: 'DUPLICATE',
  },
  {
    ticketId: 'T10',
    kind: 'PREMATURE_CLOSE',
    department: 'housing',
    occurredAt: at('2026-11-05T16:00'),
    linkType: null,
  },
  // 31 Oct 23:30 in Baltimore is 1 Nov 03:30 UTC: October in the jurisdiction's zone.
  { ticketId: 'T12', kind: 'MISROUTE', department: 'housing', occurredAt: at('2026-10-31T23:30'), linkType: null },
  {
    ticketId: 'T13',
    kind: 'MISROUTE',
    department: 'transportation',
    occurredAt: at('2026-11-20T10:00'),
    linkType: null,
  },
  { ticketId: 'T14', kind: 'UNMAPPED_CODE', department: 'parks', occurredAt: at('2026-11-20T10:00'), linkType: null },
];
