import { localDateStart } from '../local-date-start.ts';

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface Month {
  readonly year: number;
  readonly month: number;
}

export function parseMonth(text: string): Month {
  const m = MONTH_RE.exec(text);
  if (!m) throw new Error(`KPI month must be YYYY-MM (e.g. 2026-11), got "${text}"`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/**
 * Month starts already worked out, by zone and month: a public page's index and a KPI run ask for
 * the same few months of a few zones over and over. One number per month and zone asked about.
 */
const startsByZone = new Map<string, Map<number, number>>();

/** The first instant of `month` in `zone`: the earliest whose local date is the 1st (localDateStart). */
export function monthStart(month: Month, zone: string): number {
  const index = month.year * 12 + month.month - 1;
  let starts = startsByZone.get(zone);
  let start = starts?.get(index);
  if (start !== undefined) return start;
  // An unknown zone throws here, before anything is kept for it.
  start = localDateStart({ year: month.year, month: month.month, day: 1 }, zone);
  if (!starts) startsByZone.set(zone, (starts = new Map()));
  starts.set(index, start);
  return start;
}

/**
 * The instant that places a due instant in a day, and so in a month (definition v2, R1): the last
 * instant before it. A target of whole business days ends at the end of its last day, which is the
 * next day's local midnight; it fell due on the day that ended. Read as it is, a target ending on
 * Friday 31 July was due on Saturday 1 August, and counted in August.
 */
export function dueDayInstant(dueAt: number): number {
  return dueAt - 1;
}

/**
 * Whether a month's figures may still change at `now`: through its end itself, as a target due at
 * that instant (local midnight on the next 1st) is the month's (dueDayInstant), and its verdict
 * comes only after it.
 */
export function isProvisional(month: Month, zone: string, now: number): boolean {
  return now <= monthRange(month, zone)[1];
}

/**
 * Of `zones`, one in which `month` is not over at `now` (isProvisional), the last to end; null once
 * it is over in all of them. Each ticket's month is judged in its own zone (R1), so a month is final
 * only once it has ended in every zone among its tickets: one west of the jurisdiction's still has
 * targets falling due there after the month is over in the jurisdiction's own.
 */
export function monthOpenIn(month: Month, zones: Iterable<string>, now: number): string | null {
  let open: string | null = null;
  let end = -Infinity;
  for (const zone of zones) {
    const e = monthRange(month, zone)[1];
    if (now <= e && e > end) [open, end] = [zone, e];
  }
  return open;
}

const nextMonth = ({ year, month }: Month): Month =>
  month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };

/**
 * [start of the 1st, start of the next 1st) in zone, as epoch ms. Both ends come from the same
 * function, so one month ends exactly where the next begins: every instant is in one month.
 */
export function monthRange(month: Month, zone: string): readonly [start: number, end: number] {
  return [monthStart(month, zone), monthStart(nextMonth(month), zone)];
}

/**
 * Membership test for one month, judged in each instant's own zone. Bounds are cached per zone
 * because a run asks about a few zones but many instants.
 */
export function monthTester(month: Month): (epochMs: number | null, zone: string) => boolean {
  const bounds = new Map<string, readonly [number, number]>();
  return (epochMs, zone) => {
    if (epochMs === null) return false;
    let b = bounds.get(zone);
    if (!b) bounds.set(zone, (b = monthRange(month, zone)));
    return epochMs >= b[0] && epochMs < b[1];
  };
}

/** What monthOfInstant answers for an instant no date can hold (as luxon wrote it): no YYYY-MM. */
const NO_MONTH = 'Invalid DateTime';

const monthAt = (index: number): Month => ({ year: Math.floor(index / 12), month: (index % 12) + 1 });
const monthKey = ({ year, month }: Month): string =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;

/**
 * YYYY-MM of instants in one zone, for many instants at once: the month whose monthRange holds
 * the instant, so it always agrees with monthTester. The local month is the UTC month or one
 * either side of it (offsets stay within ±16 h), and month starts are kept once worked out.
 */
export function monthOfInstant(): (epochMs: number, zone: string) => string {
  return (epochMs, zone) => {
    const utc = new Date(epochMs);
    if (Number.isNaN(utc.getTime())) return NO_MONTH;
    let index = utc.getUTCFullYear() * 12 + utc.getUTCMonth();
    // At the ends of what a date can hold a start is NaN, and no comparison with it moves the index.
    if (epochMs < monthStart(monthAt(index), zone)) index -= 1;
    else if (epochMs >= monthStart(monthAt(index + 1), zone)) index += 1;
    return monthKey(monthAt(index));
  };
}
