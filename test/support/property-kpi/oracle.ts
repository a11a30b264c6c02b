/**
 * docs/kpi.md (definition version 3) re-read by hand, not from src/domain/kpi/: the department
 * records of a month from every status version of each ticket (in any order, repeated), the
 * violations and the drift. Written for being plainly the document's words, not for speed: each
 * rule is a few lines named after it, and rounding is done in whole numbers.
 */
import type { KpiDrift, KpiRecord, KpiViolation } from '../../../src/domain/kpi/index.ts';
import type { StatusRead } from '../../../src/kpi/index.ts';
import { dueInMonth, inMonth } from './local-month.ts';

/** Inputs: "the department ... of the last work order its department did not send back as 'not ours', else ... the last". */
const holding = (s: StatusRead): string | null =>
  (s.workOrders.filter((w) => w.misrouted !== true).at(-1) ?? s.workOrders.at(-1))?.department ?? null;

// R3's three kinds, for one status.
const isDuplicate = (s: StatusRead) => s.lifecycleState === 'DUPLICATE' || s.closureReason === 'DUPLICATE';
const isFollowUp = (s: StatusRead) => s.followUpOf !== null || s.closureReason === 'FOLLOW_UP';
const isExcluded = (s: StatusRead) => isDuplicate(s) || isFollowUp(s) || s.lifecycleState === 'CANCELLED';

/** The instant of the first status of the unbroken run of statuses standing so that ends at `judged`. */
function runStart(versions: readonly StatusRead[], judged: number, so: (s: StatusRead) => boolean): number | null {
  let since: number | null = null;
  for (let i = judged; i >= 0; i--) {
    const s = versions[i];
    if (!s || !so(s)) break;
    since = s.envelope.occurredAt;
  }
  return since;
}

/** What the rules need of one ticket, read from its status versions as docs/kpi.md's Inputs say. */
export interface OracleTicket {
  readonly department: string | null;
  readonly zone: string;
  readonly latest: StatusRead;
  readonly judged: StatusRead;
  readonly excludedSince: number | null;
  readonly duplicateSince: number | null;
}

/**
 * `latestOnly`: a reader that has only the latest status (docs/kpi.md R3, R8): it is judged as it
 * stands, when it became excluded is not known, so every target of an excluded one is left out,
 * and a duplicate is placed by its requestedAt.
 */
export function oracleTicket(
  statuses: readonly StatusRead[],
  jurisdictionZone: string,
  latestOnly = false,
): OracleTicket {
  const byVersion = new Map<number, StatusRead>();
  for (const s of statuses) byVersion.set(s.version, s);
  const versions = [...byVersion.values()].sort((a, b) => a.version - b.version);
  const latest = versions.at(-1);
  if (!latest) throw new Error('a ticket without statuses');
  // R3: a resolved ticket is judged as it stood at its first resolution (lowest version with one).
  const first = versions.findIndex((s) => s.resolvedAt != null);
  const judgedAt = latest.resolvedAt != null && first >= 0 && !latestOnly ? first : versions.length - 1;
  const judged = versions[judgedAt] ?? latest;
  return {
    department: holding(judged),
    zone: latest.slaTimeZone ?? jurisdictionZone,
    latest,
    judged,
    excludedSince: !isExcluded(judged) ? null : latestOnly ? -Infinity : runStart(versions, judgedAt, isExcluded),
    duplicateSince: !isDuplicate(judged)
      ? null
      : latestOnly
        ? (latest.requestedAt ?? null)
        : runStart(versions, judgedAt, isDuplicate),
  };
}

interface Counts {
  responseDue: number;
  respondedOnTime: number;
  completionDue: number;
  completedOnTime: number;
  stillOpenPastDue: number;
  business: number[];
  calendar: number[];
  resolved: number;
  prematureClosesBlocked: number;
  duplicatesClosed: number;
  duplicatesLinked: number;
  unlinked: number;
  misroutes: number;
  drift: number;
  closedByHand: number;
}

/** R10 in whole numbers: part / whole in per mille, then half away from zero to one decimal of %. */
export const pct = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.floor((2 * part * 1000 + whole) / (2 * whole)) / 10;

/** R6: nearest rank, the ⌈P × n / 100⌉-th smallest. */
function rank(values: readonly number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : (sorted[Math.ceil((p * sorted.length) / 100) - 1] ?? null);
}

/** R6: 2 decimals, half away from zero; the generators give days in thousandths, so it is exact. */
export function round2(value: number | null): number | null {
  if (value === null) return null;
  const thousandths = Math.round(value * 1000);
  const r = (Math.sign(thousandths) * Math.floor((Math.abs(thousandths) + 5) / 10)) / 100;
  return r === 0 ? 0 : r;
}

export interface OracleInput {
  readonly tickets: readonly (readonly StatusRead[])[];
  readonly violations: readonly KpiViolation[];
  readonly drift: readonly KpiDrift[];
  readonly month: string;
  readonly now: number;
  readonly zone: string;
  /** Only each ticket's latest status is at hand. */
  readonly latestOnly?: boolean;
}

export function oracleKpis(input: OracleInput): KpiRecord[] {
  const { month, now, zone } = input;
  const byDept = new Map<string, Counts>();
  // R2: a record for each department that contributes to a figure; none is `unrouted`.
  const of = (department: string | null): Counts => {
    const key = department ?? 'unrouted';
    const found = byDept.get(key);
    if (found) return found;
    const c: Counts = {
      ...{ responseDue: 0, respondedOnTime: 0, completionDue: 0, completedOnTime: 0, stillOpenPastDue: 0 },
      ...{ business: [], calendar: [], resolved: 0, prematureClosesBlocked: 0, duplicatesClosed: 0 },
      ...{ duplicatesLinked: 0, unlinked: 0, misroutes: 0, drift: 0, closedByHand: 0 },
    };
    byDept.set(key, c);
    return c;
  };

  for (const statuses of input.tickets) {
    const t = oracleTicket(statuses, zone, input.latestOnly);
    const s = t.latest;
    // R3: left out of a target only when it became so at or before the target's due instant.
    const leftOut = (dueAt: number) => t.excludedSince !== null && t.excludedSince <= dueAt;
    // R4.
    const responseDue = s.responseDueAt ?? null;
    if (responseDue !== null && dueInMonth(responseDue, t.zone, month) && !leftOut(responseDue)) {
      const respondedAt = s.respondedAt ?? null;
      if (respondedAt !== null || now > responseDue) {
        const c = of(t.department);
        c.responseDue++;
        if (respondedAt !== null && respondedAt <= responseDue) c.respondedOnTime++;
      }
    }
    // R5.
    const completionDue = s.completionDueAt ?? null;
    if (completionDue !== null && dueInMonth(completionDue, t.zone, month) && !leftOut(completionDue)) {
      const resolvedAt = s.resolvedAt ?? null;
      const pausedAt = s.slaPaused === true ? (s.slaPausedAt ?? null) : null;
      let verdict: 'on time' | 'late' | 'left out';
      if (resolvedAt !== null) verdict = resolvedAt <= completionDue ? 'on time' : 'late';
      else if (pausedAt !== null) verdict = pausedAt < completionDue ? 'left out' : 'late';
      else verdict = now > completionDue ? 'late' : 'left out';
      if (verdict !== 'left out') {
        const c = of(t.department);
        c.completionDue++;
        if (verdict === 'on time') c.completedOnTime++;
        else if (resolvedAt === null) c.stillOpenPastDue++;
      }
    }
    // R6: resolved in M, duplicates, follow-ups and cancellations left out.
    const resolvedAt = s.resolvedAt ?? null;
    if (t.excludedSince === null && resolvedAt !== null && inMonth(resolvedAt, t.zone, month)) {
      const c = of(t.department);
      c.resolved++;
      if (s.businessDaysToResolve != null) c.business.push(s.businessDaysToResolve);
      if (s.calendarDaysToResolve != null) c.calendar.push(s.calendarDaysToResolve);
    }
    // R8: a duplicate in the month it became one.
    if (t.duplicateSince !== null && inMonth(t.duplicateSince, t.zone, month)) {
      const c = of(t.department);
      c.duplicatesClosed++;
      if (t.judged.duplicateOf !== null) c.duplicatesLinked++;
    }
  }

  for (const v of input.violations) {
    if (!inMonth(v.occurredAt, zone, month)) continue;
    if (v.kind === 'PREMATURE_CLOSE') of(v.department).prematureClosesBlocked++;
    if (v.kind === 'MISROUTE') of(v.department).misroutes++;
    const refusedLink = ['MISSING_PARENT', 'UNKNOWN_PARENT', 'PARENT_IS_DUPLICATE'].includes(v.kind);
    if (refusedLink && v.linkType === 'DUPLICATE') of(v.department).unlinked++;
  }

  // R11: each drift id once, in the month of its first finding.
  const ids = new Set(input.drift.map((d) => d.driftId));
  for (const id of ids) {
    const findings = input.drift.filter((d) => d.driftId === id);
    const first = findings.reduce((a, b) => (b.occurredAt < a.occurredAt ? b : a));
    if (!inMonth(first.occurredAt, zone, month)) continue;
    of(first.department).drift++;
    if (first.kind === 'CRM_CLOSED_BY_HAND') of(first.department).closedByHand++;
  }

  return [...byDept.keys()].sort().map((department) => {
    const c = byDept.get(department) as Counts;
    return {
      definitionVersion: 3,
      department,
      month,
      computedAt: now,
      responseDue: c.responseDue,
      respondedOnTime: c.respondedOnTime,
      respondedOnTimePct: pct(c.respondedOnTime, c.responseDue),
      completionDue: c.completionDue,
      completedOnTime: c.completedOnTime,
      completedOnTimePct: pct(c.completedOnTime, c.completionDue),
      resolved: c.resolved,
      medianBusinessDaysToResolve: round2(rank(c.business, 50)),
      p90BusinessDaysToResolve: round2(rank(c.business, 90)),
      medianCalendarDaysToResolve: round2(rank(c.calendar, 50)),
      prematureClosesBlocked: c.prematureClosesBlocked,
      duplicatesClosed: c.duplicatesClosed,
      duplicatesLinked: c.duplicatesLinked,
      duplicateLinkCoveragePct: pct(c.duplicatesLinked, c.duplicatesClosed + c.unlinked),
      misroutes: c.misroutes,
      stillOpenPastDue: c.stillOpenPastDue,
      drift: c.drift,
      closedByHand: c.closedByHand,
      accountable: null,
    };
  });
}
