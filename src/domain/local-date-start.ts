import { Info } from 'luxon';
import type { CivilDate } from './sla/days.ts';

/*
 * When a local date begins, in one place: the SLA calendar's business days (sla/calendar.ts) and
 * the KPI months (kpi/month.ts) must cut days at the same instant, or a ticket's due day and its
 * month disagree where a zone's midnight happens twice.
 */

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
  if (!zone.isValid) throw new Error(`unknown time zone "${name}"`);
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
 * The earliest instant whose local date in `zone` is `date` or later (see startOfLocalDate). Throws
 * for a zone no time zone database knows.
 */
export function localDateStart(date: CivilDate, zone: string): number {
  return startOfLocalDate(date.year, date.month, date.day, offsetsIn(zone));
}
