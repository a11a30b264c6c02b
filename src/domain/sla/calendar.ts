import { IANAZone } from 'luxon';
import { CloseloopError } from '../../errors/index.ts';
import { localDateStart } from '../local-date-start.ts';
import { DAY_MS, HOUR_MS, civilFromIndex, formatDate, isoWeekday, parseDate } from './days.ts';
import { holidaySource } from './holidays.ts';
import type { BusinessCalendar, CalendarDefinition, LocalDay, SlaTarget } from './types.ts';

/*
 * Business time accrues continuously through whole working, non-holiday local days (midnight to
 * midnight in the calendar's zone, not office hours) and not at all through other days. A local
 * day counts as exactly one business day whatever its length, so on a 23- or 25-hour DST day an
 * hour is worth 1/23 or 1/25 of a business day; a date the zone skipped entirely counts as none.
 */

/** A target that an empty calendar could never reach must fail loudly, not loop for ever. */
export const MAX_SCAN_DAYS = 366 * 30;
/** Days held in the array window (about 11 years each side of the first day asked for). */
const DAY_WINDOW = 8192;

export function createCalendar(def: CalendarDefinition): BusinessCalendar {
  const zone = def.timeZone;
  if (!IANAZone.isValidZone(zone)) throw new Error(`calendar ${def.name}: unknown time zone "${zone}"`);
  const working = new Set(def.workingDays);
  const yearHolidays = holidaySource(def.holidays);
  const excluded = new Set(def.holidays.exclude);
  const holidays = new Set(def.holidays.extra.map((e) => e.date));
  // Years are loaded on first use. date-holidays files every date under the year it falls in,
  // substitutes included (31 December 2027 standing in for 1 January 2028 is in the 2027 list).
  const loadedYears = new Set<number>();
  const loadYear = (year: number): void => {
    if (loadedYears.has(year)) return;
    loadedYears.add(year);
    for (const date of yearHolidays(year)) holidays.add(date);
  };
  const isHoliday = (date: string): boolean => {
    if (excluded.has(date)) return false;
    const year = Number(date.slice(0, 4));
    // The year before too: a holiday of several days from late December runs into this one.
    loadYear(year - 1);
    loadYear(year);
    return holidays.has(date);
  };

  // Both caches grow by one entry per distinct local day touched: a few thousand in practice.
  const starts = new Map<number, number>();
  const days = new Map<number, LocalDay>();
  const startOf = (index: number): number => {
    let start = starts.get(index);
    if (start === undefined) {
      // The first instant of the date: after a jump that skips midnight, or the first of two
      // midnights where the clocks go back over it; the KPI months cut days the same way.
      start = localDateStart(civilFromIndex(index), zone);
      starts.set(index, start);
    }
    return start;
  };
  // The days of a window around the first one asked for, also in an array by index: a due date
  // 20 business days out walks some 28 days, and an array read is a fraction of a Map lookup.
  let windowStart = Number.NaN;
  const window: (LocalDay | undefined)[] = [];
  const day = (index: number): LocalDay => {
    // Whole day indices only (dayAt floors): anything else, a NaN from a bad time above all, goes
    // by the map alone, and never places the window (which it would then try to place again at
    // every call, growing the array each time).
    const whole = Number.isSafeInteger(index);
    const slot = index - windowStart;
    if (whole && slot >= 0 && slot < DAY_WINDOW) {
      const known = window[slot];
      if (known !== undefined) return known;
    } else if (whole && Number.isNaN(windowStart)) {
      windowStart = index - DAY_WINDOW / 2;
      for (let i = 0; i < DAY_WINDOW; i += 1) window.push(undefined);
    }
    let d = days.get(index);
    if (!d) {
      const date = formatDate(civilFromIndex(index));
      const business = working.has(isoWeekday(index)) && !isHoliday(date);
      d = { index, date, start: startOf(index), end: startOf(index + 1), business };
      days.set(index, d);
    }
    const at = index - windowStart;
    if (whole && at >= 0 && at < DAY_WINDOW) window[at] = d;
    return d;
  };
  const dayAt = (epochMs: number): LocalDay => {
    // UTC offsets are within ±14 h, so the UTC day index is at most one off the local one.
    let d = day(Math.floor(epochMs / DAY_MS));
    while (epochMs < d.start) d = day(d.index - 1);
    while (epochMs >= d.end) d = day(d.index + 1);
    return d;
  };

  return {
    name: def.name,
    timeZone: zone,
    isBusinessDay: (epochMs) => dayAt(epochMs).business,
    isHoliday: (date) => {
      if (!parseDate(date)) throw new Error(`not a YYYY-MM-DD date: "${date}"`);
      return isHoliday(date);
    },
    dayAt,
    day,
    holidaysIn: (year) => {
      loadYear(year - 1);
      loadYear(year);
      return [...holidays].filter((d) => d.startsWith(`${year}-`) && !excluded.has(d)).sort();
    },
  };
}

/**
 * A business day that took place. A local date the zone skipped (Samoa's 30 December 2011, when
 * it crossed the date line) is a day of no length: it holds no business time at all.
 */
function isCounted(d: LocalDay): boolean {
  return d.business && d.end > d.start;
}

/** Fractional business days elapsed between two instants; 0 when to <= from. */
export function businessDaysBetween(cal: BusinessCalendar, from: number, to: number): number {
  if (!(to > from)) return 0;
  let total = 0;
  for (let d = cal.dayAt(from); d.start < to; d = cal.day(d.index + 1)) {
    if (!isCounted(d)) continue;
    const overlap = Math.min(to, d.end) - Math.max(from, d.start);
    total += overlap === d.end - d.start ? 1 : overlap / (d.end - d.start);
  }
  return total;
}

/**
 * The earliest instant at which `days` business days have elapsed since `from`. Reaching the
 * amount exactly at the end of a business day returns that day's end (e.g. Saturday 00:00 after
 * a Friday), never the start of the next business day.
 */
export function addBusinessDays(cal: BusinessCalendar, from: number, days: number): number {
  if (!(days > 0)) return from;
  let remaining = days;
  let d = cal.dayAt(from);
  for (let scanned = 0; scanned < MAX_SCAN_DAYS; scanned++, d = cal.day(d.index + 1)) {
    if (!isCounted(d)) continue;
    const begin = Math.max(from, d.start);
    const length = d.end - d.start;
    const needMs = remaining * length;
    // Half a millisecond of slack absorbs float error so that an amount ending exactly at
    // midnight is not carried over the weekend.
    if (needMs <= d.end - begin + 0.5) return Math.min(d.end, begin + Math.round(needMs));
    remaining -= (d.end - begin) / length;
  }
  throw new CloseloopError(
    'CL_SLA_TARGET_UNREACHABLE',
    `calendar ${cal.name}: fewer than ${days} business days in the ${MAX_SCAN_DAYS} days from ${new Date(from).toISOString()}; check its workingDays and holidays`,
    { details: { calendar: cal.name, businessDays: days } },
  );
}

/** Absolute time: DST changes the local clock reading of the result, never the duration. */
export function addCalendarHours(from: number, hours: number): number {
  return from + Math.round(hours * HOUR_MS);
}

export function dueAt(cal: BusinessCalendar, from: number, target: SlaTarget): number {
  return target.unit === 'business_days'
    ? addBusinessDays(cal, from, target.amount)
    : addCalendarHours(from, target.amount);
}
