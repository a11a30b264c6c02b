/**
 * The KPI properties about time and other months (docs/kpi.md R1, R3, R5 and "A month's figure
 * stops changing"): what lies wholly in other months changes nothing of M; once every due date of
 * M is behind, later "now"s read the same figures; a cancel, a duplicate link or a follow-up link
 * after a ticket's targets fell due leaves their verdicts where they were.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { figuresChangeAt, type KpiRecord } from '../../../src/domain/kpi/index.ts';
import type { StatusRead } from '../../../src/kpi/index.ts';
import { check } from '../property/check.ts';
import { planArb, statusesOf } from './history.ts';
import { DAY, HOUR } from './instants.ts';
import { inMonth, monthPlus, monthStartIn } from './local-month.ts';
import { computed, driftArb, fold, scenarioArb, violationsArb, type Scenario } from './scenario.ts';

/** Every instant a ticket's statuses hold; due instants as R1 places them (by the millisecond before). */
function instantsOf(statuses: readonly StatusRead[]): number[] {
  return statuses.flatMap((s) => [
    s.envelope.occurredAt,
    ...[s.requestedAt, s.respondedAt, s.resolvedAt, s.slaPausedAt].filter((t) => t != null),
    ...[s.responseDueAt, s.completionDueAt].filter((t) => t != null).map((t) => t - 1),
  ]);
}

const outside = (month: string, zone: string) => (t: number) => !inMonth(t, zone, month);
const undated = (records: readonly KpiRecord[]) => records.map((r) => ({ ...r, computedAt: 0 }));

/** 2. Tickets, violations and drift wholly in the months either side of M do not change M's records. */
export const otherMonths = () =>
  fc.property(
    scenarioArb(5).chain((s) =>
      fc.record({
        s: fc.constant(s),
        tickets: fc.array(fc.oneof(planArb(monthPlus(s.month, -1)), planArb(monthPlus(s.month, 1))), { maxLength: 5 }),
        violations: fc.oneof(
          violationsArb(monthPlus(s.month, -1), s.zone),
          violationsArb(monthPlus(s.month, 1), s.zone),
        ),
        drift: fc.oneof(driftArb(monthPlus(s.month, 1), s.zone), driftArb(monthPlus(s.month, -1), s.zone)),
      }),
    ),
    ({ s, tickets, violations, drift }) => {
      const away = outside(s.month, s.zone);
      const extra = tickets
        .map((p, i) => statusesOf(`X${i}`, p))
        .filter((h) => instantsOf(h).every(outside(s.month, h[0]?.slaTimeZone ?? s.zone)));
      const more: Scenario = {
        ...s,
        tickets: [...s.tickets, ...extra],
        violations: [...s.violations, ...violations.filter((v) => away(v.occurredAt))],
        // Drift ids of their own: a finding of a drift of M's that came earlier would move it (R11).
        drift: [
          ...s.drift,
          ...drift.filter((d) => away(d.occurredAt)).map((d) => ({ ...d, driftId: `x-${d.driftId}` })),
        ],
      };
      check(isDeepStrictEqual(computed(more), computed(s)), 'other months changed the records', {
        without: computed(s),
        with: computed(more),
      });
    },
  );

/** 4a. Once every due date of M is behind `now`, a later `now` reads the same figures. */
export const pastMonthsFinal = () =>
  fc.property(
    scenarioArb(),
    fc.constantFrom(1, HOUR, 40 * DAY),
    fc.integer({ min: 1, max: 400 * DAY }),
    (s, behind, later) => {
      const dues = s.tickets.flatMap((h) => h.flatMap((x) => [x.responseDueAt ?? 0, x.completionDueAt ?? 0]));
      const now1 = Math.max(0, ...dues) + behind;
      const [a, b] = [computed(s, { now: now1 }), computed(s, { now: now1 + later })];
      check(isDeepStrictEqual(undated(a), undated(b)), 'a past month moved', { now1, a, b });
    },
  );

/**
 * The R4 and R5 figures of each department that has any. A duplicate not yet resolved that is
 * cancelled is no duplicate any more (R3 judges it as it stands), so R8 may lose it: 4b is about
 * verdicts, which R3 says stay.
 */
const verdicts = (records: readonly KpiRecord[]) =>
  records
    .filter((r) => r.responseDue + r.completionDue > 0)
    .map((r) => [
      r.department,
      r.responseDue,
      r.respondedOnTime,
      r.completionDue,
      r.completedOnTime,
      r.stillOpenPastDue,
    ]);

/** 4b. A cancel, a duplicate link or a follow-up link after the targets fell due (R3) leaves M's figures alone. */
export const laterExclusion = () =>
  fc.property(
    scenarioArb().filter((s) => s.tickets.length > 0),
    fc.nat(),
    fc.constantFrom('cancel', 'duplicate', 'follow-up'),
    fc.integer({ min: 0, max: 30 * DAY }),
    (s, pick, kind, delay) => {
      const i = pick % s.tickets.length;
      const history = s.tickets[i] ?? [];
      const last = history.at(-1);
      if (!last) return;
      // After all its instants and in a month after M in every zone, so R8 places nothing in M.
      const x = Math.max(...instantsOf(history).map((t) => t + 1), monthStartIn(monthPlus(s.month, 2), 'UTC')) + delay;
      const change: Partial<StatusRead> =
        kind === 'cancel'
          ? { lifecycleState: 'CANCELLED', closureReason: 'CANCELLED_BY_REQUESTOR', crmStatus: 'CLOSED' }
          : kind === 'duplicate'
            ? { lifecycleState: 'DUPLICATE', duplicateOf: 'P-elsewhere' }
            : { followUpOf: 'P-elsewhere' };
      const next: StatusRead = {
        ...last,
        ...change,
        version: last.version + 1,
        envelope: { ...last.envelope, occurredAt: x },
      };
      const tickets = s.tickets.map((h, j) => (j === i ? [...h, next] : h));
      const now = Math.max(s.now, x + 1);
      const [before, after] = [verdicts(computed(s, { now })), verdicts(computed({ ...s, tickets }, { now }))];
      check(isDeepStrictEqual(before, after), `a ${kind} after the targets fell due changed the month`, {
        before,
        after,
        next,
      });
    },
  );

/**
 * 4c. A month's figures change with time alone exactly at figuresChangeAt (the public site caches
 * them until then): the same records at any "now" before it, and others at it. "now" is at or
 * after every status (each response, resolution and pause is recorded by one), as it is for the job.
 */
export const changeAt = () =>
  fc.property(scenarioArb(), fc.double({ min: 0, max: 1, noNaN: true }), (s, share) => {
    const recorded = s.tickets.flatMap((h) => h.map((x) => x.envelope.occurredAt));
    const now = Math.max(s.now, ...recorded);
    const at = figuresChangeAt(fold(s.tickets.flat(), s.zone), s.month, now);
    check(at > now, 'figures change before now', { now, at });
    const before = now + Math.floor(share * (Number.isFinite(at) ? at - 1 - now : 400 * DAY));
    const [a, b] = [undated(computed(s, { now })), undated(computed(s, { now: before }))];
    check(isDeepStrictEqual(a, b), 'the figures changed before figuresChangeAt', { now, before, at, a, b });
    if (Number.isFinite(at))
      check(!isDeepStrictEqual(a, undated(computed(s, { now: at }))), 'nothing changed at figuresChangeAt', {
        now,
        at,
      });
  });
