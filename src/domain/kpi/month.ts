import { Info } from 'luxon';

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

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/**
 * Every offset any zone has used (local mean times included) is within ±15 h of UTC, so the local
 * midnight of a date lies within this much of the same date's midnight in UTC.
 */
const REACH_MS = 16 * HOUR_MS;

/** A zone's offset from UTC in minutes at an instant. */
type OffsetAt = (epochMs: number) => number;

const OFFSET_FORMAT = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;
const YEAR_1000_MS = Date.UTC(1000, 0, 1);
/** One per zone name asked about (a handful in a run); luxon keeps its formatters the same way. */
const offsetsByZone = new Map<string, OffsetAt>();

/**
 * Offsets in `zone`. For an IANA zone Intl's plain format is read directly, several times quicker
 * than luxon's formatToParts; a month's bounds need two offsets or more, and a public page's index
 * works out the bounds of every month its tickets touch. Other zones (and years before 1000, which
 * Intl writes with eras) are left to luxon.
 */
function offsetsIn(name: string): OffsetAt {
  const known = offsetsByZone.get(name);
  if (known) return known;
  const zone = Info.normalizeZone(name);
  if (!zone.isValid) throw new Error(`KPI: unknown time zone "${name}"`);
  let offsetAt: OffsetAt = (ms) => zone.offset(ms);
  if (zone.type === 'iana') {
    const dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: zone.name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetAt = (ms) => {
      const m = ms >= YEAR_1000_MS ? OFFSET_FORMAT.exec(dtf.format(ms)) : null;
      if (!m) return zone.offset(ms);
      const local = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
      // The format has whole seconds: compare with the instant's whole second.
      return (local - (ms - (((ms % 1000) + 1000) % 1000))) / MINUTE_MS;
    };
  }
  offsetsByZone.set(name, offsetAt);
  return offsetAt;
}

/** Epoch ms of 00:00 UTC on a civil date; Date.UTC alone would read years 0–99 as 1900–1999. */
function utcMidnight(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/**
 * The earliest instant whose local date in `zone` is the given date or later: the date's local
 * midnight, except where a clock change is at midnight. Where the clocks jump over midnight it is
 * the first instant after the jump; where they go back so that 00:00 happens twice it is the first
 * 00:00. Luxon's own reading of "midnight on the 1st" picks the second one there, and its month
 * arithmetic keeps the wall time of the day it started from, so bounds built from it left instants
 * in no month or in two (America/Havana, America/Asuncion, Asia/Amman).
 *
 * Offsets change at most once within a day and a half of any midnight, so the window around it is
 * one offset or two: where two, the change is found by halving, to the millisecond.
 */
function startOfLocalDate(year: number, month: number, day: number, offsetAt: OffsetAt): number {
  const wall = utcMidnight(year, month, day);
  const lo = wall - REACH_MS;
  const hi = wall + REACH_MS;
  const offLo = offsetAt(lo);
  const offHi = offsetAt(hi);
  // An instant t reads as local wall time t + offset(t), which only grows between changes.
  const midnightAt = (offsetMin: number) => wall - Math.round(offsetMin * MINUTE_MS);
  if (offLo === offHi) return midnightAt(offLo);
  let before = lo;
  let change = hi;
  while (change - before > 1) {
    const mid = Math.floor((before + change) / 2);
    if (offsetAt(mid) === offLo) before = mid;
    else change = mid;
  }
  // Midnight under the old offset comes first if it happens before the change.
  if (midnightAt(offLo) < change) return midnightAt(offLo);
  // Otherwise the date begins at the change itself (midnight skipped), or at midnight after it.
  return Math.max(change, midnightAt(offHi));
}

/**
 * Month starts already worked out, by zone and month: a public page's index and a KPI run ask for
 * the same few months of a few zones over and over. One number per month and zone asked about.
 */
const startsByZone = new Map<string, Map<number, number>>();

/** The first instant of `month` in `zone`: the earliest whose local date is the 1st (see above). */
export function monthStart(month: Month, zone: string): number {
  const index = month.year * 12 + month.month - 1;
  let starts = startsByZone.get(zone);
  let start = starts?.get(index);
  if (start !== undefined) return start;
  // An unknown zone throws here, before anything is kept for it.
  start = startOfLocalDate(month.year, month.month, 1, offsetsIn(zone));
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
