import { DateTime } from 'luxon';
import {
  computeKpis,
  isExcludedFromSla,
  nearestRank,
  roundTo,
  type KpiRecord,
  type KpiTicket,
} from '../../src/domain/kpi/index.ts';
import type { BusinessCalendar } from '../../src/domain/sla/index.ts';
import { reconcile, type Counts } from './reconcile.ts';
import { BALTIMORE_ZONE, parseRows, snapshotAt } from './rows.ts';
import { inferTargets, type TypeTarget } from './targets.ts';
import { toKpiInput } from './tickets.ts';
import { timeZoneEffects, type TimeZoneEffects } from './timezone.ts';

/** Monthly v1 records added up over the whole sample (counts only: medians do not add up). */
export interface KpiTotals {
  completionDue: number;
  completedOnTime: number;
  stillOpenPastDue: number;
  resolved: number;
  duplicatesClosed: number;
  duplicatesLinked: number;
  misroutes: number;
}

export interface ResolveTimes {
  readonly resolved: number;
  readonly medianBusinessDays: number | null;
  readonly p90BusinessDays: number | null;
  readonly medianCalendarDays: number | null;
}

export interface Recomputation {
  readonly rows: number;
  /** "Now" for every verdict: the latest event in the file. */
  readonly snapshot: number;
  readonly months: readonly string[];
  readonly records: readonly KpiRecord[];
  /** Keyed by agency, plus "(all)". */
  readonly totals: ReadonlyMap<string, KpiTotals>;
  readonly reconciliation: ReadonlyMap<string, Counts>;
  readonly resolveTimes: ReadonlyMap<string, ResolveTimes>;
  readonly targets: readonly TypeTarget[];
  readonly timeZone: TimeZoneEffects;
}

export function recompute(csv: string, cal: BusinessCalendar): Recomputation {
  const rows = parseRows(csv);
  const snapshot = snapshotAt(rows);
  const { tickets, violations } = toKpiInput(rows, cal);
  const months = monthsOf(tickets);
  const records = months.flatMap((m) => computeKpis(tickets, violations, m, snapshot, BALTIMORE_ZONE));
  return {
    rows: rows.length,
    snapshot,
    months,
    records,
    totals: addUp(records),
    reconciliation: reconcile(rows, snapshot),
    resolveTimes: resolveTimes(tickets),
    targets: inferTargets(rows, cal, snapshot),
    timeZone: timeZoneEffects(rows, snapshot),
  };
}

/** Every month from the first to the last instant any figure could be placed in. */
function monthsOf(tickets: readonly KpiTicket[]): string[] {
  const stamps = tickets.flatMap((t) => [t.requestedAt, t.completionDueAt, t.resolvedAt]).filter((x) => x !== null);
  if (stamps.length === 0) return [];
  const first = DateTime.fromMillis(Math.min(...stamps), { zone: BALTIMORE_ZONE }).startOf('month');
  const last = DateTime.fromMillis(Math.max(...stamps), { zone: BALTIMORE_ZONE });
  const months: string[] = [];
  for (let m = first; m <= last; m = m.plus({ months: 1 })) months.push(m.toFormat('yyyy-MM'));
  return months;
}

function addUp(records: readonly KpiRecord[]): Map<string, KpiTotals> {
  const totals = new Map<string, KpiTotals>();
  for (const r of records) {
    for (const key of ['(all)', r.department]) {
      const t = totals.get(key) ?? {
        completionDue: 0,
        completedOnTime: 0,
        stillOpenPastDue: 0,
        resolved: 0,
        duplicatesClosed: 0,
        duplicatesLinked: 0,
        misroutes: 0,
      };
      t.completionDue += r.completionDue;
      t.completedOnTime += r.completedOnTime;
      t.stillOpenPastDue += r.stillOpenPastDue;
      t.resolved += r.resolved;
      t.duplicatesClosed += r.duplicatesClosed;
      t.duplicatesLinked += r.duplicatesLinked;
      t.misroutes += r.misroutes;
      totals.set(key, t);
    }
  }
  return totals;
}

/** The v1 resolve-time rules applied to the whole sample at once. */
function resolveTimes(tickets: readonly KpiTicket[]): Map<string, ResolveTimes> {
  const groups = new Map<string, { business: number[]; calendar: number[] }>();
  for (const t of tickets) {
    if (t.resolvedAt === null || isExcludedFromSla(t)) continue;
    for (const key of ['(all)', t.department ?? 'unrouted']) {
      const g = groups.get(key) ?? { business: [], calendar: [] };
      if (t.businessDaysToResolve !== null) g.business.push(t.businessDaysToResolve);
      if (t.calendarDaysToResolve !== null) g.calendar.push(t.calendarDaysToResolve);
      groups.set(key, g);
    }
  }
  const r2 = (x: number | null): number | null => (x === null ? null : roundTo(x, 2));
  return new Map(
    [...groups].map(([key, g]) => [
      key,
      {
        resolved: g.business.length,
        medianBusinessDays: r2(nearestRank(g.business, 50)),
        p90BusinessDays: r2(nearestRank(g.business, 90)),
        medianCalendarDays: r2(nearestRank(g.calendar, 50)),
      },
    ]),
  );
}
