import { completionVerdictAt } from '../sla/breaches.ts';
import { dueDayInstant, monthTester, parseMonth } from './month.ts';
import { nearestRank, percent, roundTo } from './stats.ts';
import {
  KPI_DEFINITION_VERSION,
  UNROUTED,
  type KpiDrift,
  type KpiRecord,
  type KpiResolutionView,
  type KpiTicket,
  type KpiViolation,
} from './types.ts';

/*
 * KPI definition version 3; docs/kpi.md states every rule in words. Each ticket is counted in
 * the month its target fell due, so a month's figure is final once its last due date has passed
 * and an overdue open ticket can never drop out of it. A target falls due on the day holding the
 * last instant before its due instant (dueDayInstant): one that ends at midnight ended the day before.
 */

const UNLINKED_DUPLICATE_KINDS: readonly string[] = ['MISSING_PARENT', 'UNKNOWN_PARENT', 'PARENT_IS_DUPLICATE'];

/** A refused duplicate link is a duplicate left unlinked; a refused follow-up link is not a duplicate at all. */
const isUnlinkedDuplicate = (v: KpiViolation): boolean =>
  UNLINKED_DUPLICATE_KINDS.includes(v.kind) && v.linkType === 'DUPLICATE';

/**
 * Whether a drift's finding came before another's. Findings at the same instant (two runs of one
 * moment, naming the work's department differently) are told apart by what they say, not by the
 * order the topic gave them, so the figures are the same however it orders them.
 */
function foundBefore(a: KpiDrift, b: KpiDrift): boolean {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt;
  const said = (d: KpiDrift) => `${d.department ?? ''}\u0000${d.kind}`;
  return said(a) < said(b);
}

interface Tally {
  responseDue: number;
  respondedOnTime: number;
  completionDue: number;
  completedOnTime: number;
  stillOpenPastDue: number;
  resolved: number;
  business: number[];
  calendar: number[];
  prematureClosesBlocked: number;
  duplicatesClosed: number;
  duplicatesLinked: number;
  unlinkedDuplicates: number;
  misroutes: number;
  drift: number;
  closedByHand: number;
}

const emptyTally = (): Tally => ({
  responseDue: 0,
  respondedOnTime: 0,
  completionDue: 0,
  completedOnTime: 0,
  stillOpenPastDue: 0,
  resolved: 0,
  business: [],
  calendar: [],
  prematureClosesBlocked: 0,
  duplicatesClosed: 0,
  duplicatesLinked: 0,
  unlinkedDuplicates: 0,
  misroutes: 0,
  drift: 0,
  closedByHand: 0,
});

/**
 * What R3 judges a ticket by. A resolved ticket keeps its first resolution through a reopen, and
 * with it its verdicts and its month (R5, R6); a cancel or a duplicate link after the reopen is
 * new work, so judging the current state would take the ticket out of a month already published.
 * It is judged as it stood at that resolution when the fold saw it, else (nothing resolved, or only
 * the latest status read) as it stands now.
 */
export function judgedState(t: KpiTicket): KpiResolutionView {
  return t.resolvedAt !== null && t.atResolution ? t.atResolution : t;
}

/** Whether a ticket standing so is a duplicate (R3); for any one status, as isExcludedView. */
export const isDuplicateView = (v: KpiResolutionView): boolean =>
  v.lifecycleState === 'DUPLICATE' || v.closureReason === 'DUPLICATE';
const followUpView = (v: KpiResolutionView): boolean => v.followUpOf !== null || v.closureReason === 'FOLLOW_UP';

/**
 * Whether a ticket standing so is not the department's clock (R3): a duplicate, a follow-up or a
 * cancellation. For any one status, so a reader of every version can tell when it became so.
 */
export function isExcludedView(v: KpiResolutionView): boolean {
  return isDuplicateView(v) || followUpView(v) || v.lifecycleState === 'CANCELLED';
}

/** A duplicate either still mirrors its parent or was resolved with the parent (as judged, R3). */
export function isDuplicate(t: KpiTicket): boolean {
  return isDuplicateView(judgedState(t));
}

/**
 * Tickets whose SLA clocks are not the department's: duplicates and follow-ups (their parent's
 * clock is the one that counts) and cancellations, as judged (R3).
 */
export function isExcludedFromSla(t: KpiTicket): boolean {
  return isExcludedView(judgedState(t));
}

/**
 * Whether R3 leaves out a target due at `dueAt`: the ticket is excluded (as judged) and already was
 * when the target fell due (at its due instant at the latest, when it could still be met). Once a
 * target has failed its verdict stands: a cancel, duplicate link or follow-up link after it must not
 * take a late verdict out of a month already published, nor let a backlog be cleared out of the
 * figures by cancelling it. Without the instant it became so (only the latest status read), every
 * target is left out.
 */
export function excludedAtDue(t: KpiTicket, dueAt: number): boolean {
  if (!isExcludedFromSla(t)) return false;
  const since = t.excludedSince ?? null;
  return since === null || since <= dueAt;
}

/**
 * The instant that places a duplicate in a month (R8): when it became one, else (not known) its
 * request. Both are fixed by the time it is a duplicate, so a month it was counted in keeps it; its
 * resolution with the parent comes later and would move it out of a month already published.
 */
export function duplicatePlacedAt(t: KpiTicket): number | null {
  return t.duplicateSince ?? t.requestedAt;
}

/** A follow-up mirrors its original, or resolved along with it (as judged, R3). */
export function isFollowUp(t: KpiTicket): boolean {
  return followUpView(judgedState(t));
}

/**
 * Verdict on one target: on time, late, or not yet known (still running before its due date,
 * which only happens in the current month and keeps the ticket out of the population).
 */
export function verdict(stoppedAt: number | null, dueAt: number, now: number): 'on-time' | 'late' | 'pending' {
  if (stoppedAt !== null) return stoppedAt <= dueAt ? 'on-time' : 'late';
  return now > dueAt ? 'late' : 'pending';
}

/**
 * The completion verdict, by the rule the status's breach flag follows too (completionVerdictAt).
 * While a pause is open the due date shown is not final: it moves out by the time that was left
 * when the pause started, so the ticket is not late yet however long the hold lasts. A ticket put
 * on hold at or after its due instant had no time left: late.
 */
export function completionVerdict(t: KpiTicket, dueAt: number, now: number): 'on-time' | 'late' | 'pending' {
  return completionVerdictAt(t.resolvedAt, t.pausedAt, dueAt, now);
}

/**
 * KPI records of one month (YYYY-MM), one per department that appears in any figure, sorted by
 * department. Ticket instants are placed in months in the ticket's own zone, violations in
 * `timeZone` (the jurisdiction's).
 */
export function computeKpis(
  tickets: Iterable<KpiTicket>,
  violations: Iterable<KpiViolation>,
  month: string,
  now: number,
  timeZone = 'UTC',
  drift: Iterable<KpiDrift> = [],
): KpiRecord[] {
  const inMonth = monthTester(parseMonth(month));
  const tallies = new Map<string, Tally>();
  const tally = (department: string | null): Tally => {
    const key = department ?? UNROUTED;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = emptyTally()));
    return t;
  };

  for (const t of tickets) {
    const zone = t.timeZone;
    // As judged (R3): a reopen routed to another department leaves the resolution where it was.
    const department = judgedState(t).department;
    if (isDuplicate(t) && inMonth(duplicatePlacedAt(t), zone)) {
      const d = tally(department);
      d.duplicatesClosed++;
      if (judgedState(t).duplicateOf !== null) d.duplicatesLinked++;
    }
    // R4, R5: each target on its own, by whether the ticket was already excluded when it fell due.
    if (
      t.responseDueAt !== null &&
      inMonth(dueDayInstant(t.responseDueAt), zone) &&
      !excludedAtDue(t, t.responseDueAt)
    ) {
      const v = verdict(t.respondedAt, t.responseDueAt, now);
      if (v !== 'pending') {
        const d = tally(department);
        d.responseDue++;
        if (v === 'on-time') d.respondedOnTime++;
      }
    }
    if (
      t.completionDueAt !== null &&
      inMonth(dueDayInstant(t.completionDueAt), zone) &&
      !excludedAtDue(t, t.completionDueAt)
    ) {
      const v = completionVerdict(t, t.completionDueAt, now);
      if (v !== 'pending') {
        const d = tally(department);
        d.completionDue++;
        if (v === 'on-time') d.completedOnTime++;
        else if (t.resolvedAt === null) d.stillOpenPastDue++;
      }
    }
    // R6: a resolution that was a duplicate's, a follow-up's or a cancelled ticket's is not the department's work.
    if (!isExcludedFromSla(t) && inMonth(t.resolvedAt, zone)) {
      const d = tally(department);
      d.resolved++;
      if (t.businessDaysToResolve !== null) d.business.push(t.businessDaysToResolve);
      if (t.calendarDaysToResolve !== null) d.calendar.push(t.calendarDaysToResolve);
    }
  }

  for (const v of violations) {
    if (!inMonth(v.occurredAt, timeZone)) continue;
    if (v.kind === 'PREMATURE_CLOSE') tally(v.department).prematureClosesBlocked++;
    else if (v.kind === 'MISROUTE') tally(v.department).misroutes++;
    else if (isUnlinkedDuplicate(v)) tally(v.department).unlinkedDuplicates++;
  }

  // R11: a drift still there is found by every run; it counts once, where it was first found.
  const first = new Map<string, KpiDrift>();
  for (const d of drift) {
    const seen = first.get(d.driftId);
    if (!seen || foundBefore(d, seen)) first.set(d.driftId, d);
  }
  for (const d of first.values()) {
    if (!inMonth(d.occurredAt, timeZone)) continue;
    const t = tally(d.department);
    t.drift++;
    if (d.kind === 'CRM_CLOSED_BY_HAND') t.closedByHand++;
  }

  return [...tallies]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([department, t]) => toRecord(department, month, now, t));
}

/**
 * The first instant after `now` at which month M's figures change by the passing of time alone:
 * a pending verdict (R4, R5) turns late one millisecond after its due instant. Infinity when no
 * verdict of M is waiting on the clock. A cache of M's figures is good until then (and until its
 * input changes); the month's end, which ends "provisional", is the caller's to add.
 */
export function figuresChangeAt(tickets: Iterable<KpiTicket>, month: string, now: number): number {
  const inMonth = monthTester(parseMonth(month));
  let at = Infinity;
  const waiting = (dueAt: number | null, zone: string): void => {
    if (dueAt !== null && dueAt >= now && inMonth(dueDayInstant(dueAt), zone)) at = Math.min(at, dueAt + 1);
  };
  for (const t of tickets) {
    if (isExcludedFromSla(t)) continue;
    if (t.respondedAt === null) waiting(t.responseDueAt, t.timeZone);
    // An open pause keeps the verdict pending whatever the time (completionVerdict).
    if (t.resolvedAt === null && t.pausedAt === null) waiting(t.completionDueAt, t.timeZone);
  }
  return at;
}

/**
 * How many tickets of month M's R6 population have no business days to resolve: their clock has
 * no business calendar (an export's own due date). They count in `resolved` and in the calendar-day
 * median but not in the business-day percentiles, and the KPI output says how many (R6).
 */
export function resolvedWithoutBusinessDays(tickets: Iterable<KpiTicket>, month: string): number {
  const inMonth = monthTester(parseMonth(month));
  let n = 0;
  for (const t of tickets) {
    if (!isExcludedFromSla(t) && inMonth(t.resolvedAt, t.timeZone) && t.businessDaysToResolve === null) n++;
  }
  return n;
}

const rounded = (value: number | null): number | null => (value === null ? null : roundTo(value, 2));

function toRecord(department: string, month: string, now: number, t: Tally): KpiRecord {
  return {
    definitionVersion: KPI_DEFINITION_VERSION,
    department,
    month,
    computedAt: now,
    responseDue: t.responseDue,
    respondedOnTime: t.respondedOnTime,
    respondedOnTimePct: percent(t.respondedOnTime, t.responseDue),
    completionDue: t.completionDue,
    completedOnTime: t.completedOnTime,
    completedOnTimePct: percent(t.completedOnTime, t.completionDue),
    resolved: t.resolved,
    medianBusinessDaysToResolve: rounded(nearestRank(t.business, 50)),
    p90BusinessDaysToResolve: rounded(nearestRank(t.business, 90)),
    medianCalendarDaysToResolve: rounded(nearestRank(t.calendar, 50)),
    prematureClosesBlocked: t.prematureClosesBlocked,
    duplicatesClosed: t.duplicatesClosed,
    duplicatesLinked: t.duplicatesLinked,
    duplicateLinkCoveragePct: percent(t.duplicatesLinked, t.duplicatesClosed + t.unlinkedDuplicates),
    misroutes: t.misroutes,
    stillOpenPastDue: t.stillOpenPastDue,
    accountable: null,
    drift: t.drift,
    closedByHand: t.closedByHand,
  };
}
