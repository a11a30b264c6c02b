import { DateTime } from 'luxon';
import { verdict } from '../../src/domain/kpi/index.ts';
import { addBusinessDays, businessDaysBetween, type BusinessCalendar } from '../../src/domain/sla/index.ts';
import { BALTIMORE_ZONE, localMs, naiveMs, type BaltimoreRow } from './rows.ts';
import { completionDue, rowKind } from './tickets.ts';

const DAY_MS = 86_400_000;

/**
 * - calendar: DueDate − CreatedDate is the same whole number of wall-clock days on every row,
 *   while the business days between them vary or the due falls on a weekend or holiday;
 * - business: the business days between them are constant and the wall-clock days are not;
 * - either: both constant (too few rows, or no row spans a weekend);
 * - neither: no consistent target.
 */
export type ImplicitUnit = 'calendar' | 'business' | 'either' | 'neither';

export interface Figure {
  due: number;
  onTime: number;
}

export interface TypeTarget {
  readonly type: string;
  readonly agency: string;
  /** Rows with a real (positive) target, duplicates and transfers left out. */
  readonly rows: number;
  /** The consistent amount, in days of the implicit unit; null for "neither". */
  readonly days: number | null;
  readonly unit: ImplicitUnit;
  /** Due dates inside a weekend or holiday: impossible for a business-day target. */
  readonly dueOnNonBusinessDay: number;
  /** closeloop v1 with the DueDate as given. */
  readonly asGiven: Figure;
  /** The same amount read in the other unit (business days for a calendar target, and back). */
  readonly otherWay: Figure;
}

const distinct = (values: readonly number[]): number[] => [...new Set(values.map((v) => Math.round(v * 1e4) / 1e4))];

export function inferTargets(rows: readonly BaltimoreRow[], cal: BusinessCalendar, now: number): TypeTarget[] {
  const byType = new Map<string, BaltimoreRow[]>();
  for (const r of rows) {
    if (rowKind(r) === 'duplicate' || rowKind(r) === 'transferred' || completionDue(r) === null) continue;
    const list = byType.get(r.type) ?? [];
    list.push(r);
    byType.set(r.type, list);
  }
  return [...byType].map(([type, list]) => inferOne(type, list, cal, now)).sort((a, b) => b.rows - a.rows);
}

function inferOne(type: string, list: readonly BaltimoreRow[], cal: BusinessCalendar, now: number): TypeTarget {
  const created = list.map((r) => localMs(r.created));
  const due = list.map((r) => localMs(r.due ?? ''));
  const wall = distinct(list.map((r) => (naiveMs(r.due ?? '') - naiveMs(r.created)) / DAY_MS));
  const business = distinct(list.map((_, i) => businessDaysBetween(cal, created[i] ?? 0, due[i] ?? 0)));
  // The instant before a business-day due is always inside a business day (a Friday target ends
  // at Saturday 00:00), so a due whose previous instant is not is a calendar target's.
  const dueOnNonBusinessDay = due.filter((d) => !cal.isBusinessDay(d - 1)).length;
  const wallConstant = wall.length === 1 && Number.isInteger(wall[0]);
  const businessConstant = business.length === 1 && dueOnNonBusinessDay === 0;
  const unit: ImplicitUnit =
    wallConstant && businessConstant ? 'either' : wallConstant ? 'calendar' : businessConstant ? 'business' : 'neither';
  const days = unit === 'neither' ? null : unit === 'business' ? (business[0] ?? null) : (wall[0] ?? null);
  const otherDue = (i: number): number => {
    const from = created[i] ?? 0;
    if (days === null) return due[i] ?? 0;
    return unit === 'business'
      ? DateTime.fromMillis(from, { zone: BALTIMORE_ZONE }).plus({ days }).toMillis()
      : addBusinessDays(cal, from, days);
  };
  const asGiven: Figure = { due: 0, onTime: 0 };
  const otherWay: Figure = { due: 0, onTime: 0 };
  list.forEach((r, i) => {
    const closedAt = r.close ? localMs(r.close) : null;
    tallyInto(asGiven, verdict(closedAt, due[i] ?? 0, now));
    tallyInto(otherWay, verdict(closedAt, otherDue(i), now));
  });
  return { type, agency: list[0]?.agency ?? '', rows: list.length, days, unit, dueOnNonBusinessDay, asGiven, otherWay };
}

function tallyInto(f: Figure, v: 'on-time' | 'late' | 'pending'): void {
  if (v === 'pending') return;
  f.due++;
  if (v === 'on-time') f.onTime++;
}
