import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * A point in time as systems send it: epoch milliseconds, an ISO-8601 instant with its offset,
 * an ISO-8601 local time without one (some systems write their server's local time), or a date
 * without a time ("2024-05-01"), which an expected date often is. The last two name an instant
 * only in the system's own time zone, which instantOf is given. Anything else (a bare "tomorrow")
 * is refused.
 */
export const instantSchema = z.union([z.number(), z.iso.datetime({ offset: true, local: true }), z.iso.date()]);

/** Whether an ISO-8601 date-time says its offset from UTC (Z or ±hh:mm). */
export function hasOffset(value: string): boolean {
  return /(?:z|[+-]\d{2}(?::?\d{2})?)$/i.test(value);
}

/**
 * An ISO-8601 local date-time (no offset) as the instant it names in `timeZone`, written with
 * its offset ("2024-03-01T10:00:02" in America/New_York: "2024-03-01T10:00:02-05:00"); any other
 * value as it is. A local time a DST change skips is moved forward. One it repeats (the hour after
 * clocks go back) is ambiguous in itself and read at the later offset, standard time, as
 * java.util's Calendar reads it and a Maximo answers it; a reader that knows when the date was
 * written can tell the first occurrence by the later lying ahead of the clock (see the Maximo
 * feed's clocks-back.ts).
 */
export function withOffsetIn(value: string, timeZone: string): string {
  if (hasOffset(value) || !z.iso.datetime({ local: true }).safeParse(value).success) return value;
  const read = DateTime.fromISO(value, { zone: timeZone });
  if (!read.isValid) return value;
  // Luxon's own pick between the two depends on the size of the shift.
  const later = read.getPossibleOffsets().reduce((a, b) => (b.toMillis() > a.toMillis() ? b : a), read);
  return later.toISO({ suppressMilliseconds: true }) ?? value;
}

/**
 * Epoch milliseconds of an instantSchema value. A date without a time is the start of that day
 * in `timeZone`, the system's own zone: a date read as UTC midnight would show as the day
 * before anywhere west of Greenwich, and a start of day shows as that day wherever it is read in
 * that zone. (A midnight skipped by a DST change is the first instant of that day.) A local
 * date-time is read in `timeZone` too, as the system wrote it.
 */
export function instantOf(value: number | string, timeZone: string): number {
  if (typeof value === 'number') return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return DateTime.fromISO(value, { zone: timeZone }).toMillis();
  return Date.parse(withOffsetIn(value, timeZone));
}

/** A date without a time, in ISO 8601's extended (2024-11-05) or basic (20241105) form. */
const DAY = /^(\d{4})(?:-(\d{2})-(\d{2})|(\d{2})(\d{2}))$/;
/**
 * A date and a time of day, as ISO 8601 writes it or with a space for the T (as SQL and Java's
 * "yyyy-MM-dd HH:mm:ss" write it); seconds and their fraction optional; an offset of Z, ±hh:mm,
 * ±hhmm (Java's SimpleDateFormat Z) or ±hh, or none.
 */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(z|[+-]\d{2}(?::?\d{2})?)?$/i;
/**
 * Epoch milliseconds name no date after March 1973 below 1e11, and epoch seconds from 1e9 name
 * the years 2001 to 5138: a number between is seconds, as Unix tools and many databases write
 * them. Below 1e9 it is neither a plausible millisecond nor second of a date a system schedules.
 */
const SECONDS_FROM = 1e9;
const MILLISECONDS_FROM = 1e11;
/** The last instant a JavaScript Date holds (ECMA-262's time value range). */
const LAST_INSTANT = 8.64e15;
/** The widest offsets any zone has had: UTC-12 to UTC+14. */
const WIDEST_OFFSET_MINUTES = 14 * 60;

/** Minutes of an offset as DATE_TIME reads it (Z, ±hh, ±hhmm, ±hh:mm). */
function offsetMinutes(offset: string): number {
  if (/^z$/i.test(offset)) return 0;
  const hours = Number(offset.slice(1, 3));
  const minutes = Number(offset.slice(3).replace(':', '') || '0');
  return minutes >= 60 ? Number.POSITIVE_INFINITY : hours * 60 + minutes;
}

/**
 * Digits that spell a date and time of day with nothing between (yyyyMMddHHmm, or with seconds),
 * as SAP and many exports write one: read as epoch milliseconds they would name 1976 or 2611.
 */
const COMPACT_DATE_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/;

/** An epoch number as whole milliseconds (see MILLISECONDS_FROM), or null. */
function epochMs(value: number): number | null {
  if (!Number.isFinite(value) || value < SECONDS_FROM) return null;
  // Whole milliseconds within a Date's range: the instant is stored as an Avro long, and a
  // fraction or a value past it would fail the whole change's encoding over an optional date.
  const ms = Math.round(value < MILLISECONDS_FROM ? value * 1_000 : value);
  return ms <= LAST_INSTANT ? ms : null;
}

/** Whether digits spell a calendar date and time (COMPACT_DATE_TIME), in any zone. */
function spellsDateTime(digits: string): boolean {
  const m = COMPACT_DATE_TIME.exec(digits);
  if (!m) return false;
  const [, year, month, day, hour, minute, second = '00'] = m;
  return DateTime.fromISO(`${year}-${month}-${day}T${hour}:${minute}:${second}`, { zone: 'UTC' }).isValid;
}

/**
 * Epoch milliseconds of a date a system wrote in one of the forms that name one instant: epoch
 * milliseconds or seconds (see MILLISECONDS_FROM), as a number or its digits in a string (as
 * systems whose numbers are 64-bit write them), a date (the start of that day in `timeZone`), or
 * a date and time (DATE_TIME), read at its offset or, without one, in `timeZone` as withOffsetIn
 * reads it. Null for anything else: "11/05/2024" is the 5th of November or the 11th of May, and a
 * guess would show the citizen a wrong date. Digits alone are read by their count: eight are
 * ISO 8601's basic date (20241105), never epoch seconds, which have ten digits from 2001 (eight
 * would be 1970's); twelve or fourteen that also spell a date and time (202411050900) may be
 * either, so are refused; any other digits are the epoch number they spell.
 */
export function instantIn(value: unknown, timeZone: string): number | null {
  if (typeof value === 'number') return epochMs(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const day = DAY.exec(text);
  if (day) {
    const [, year, month = day[4], date = day[5]] = day;
    const read = DateTime.fromISO(`${year}-${month}-${date}`, { zone: timeZone });
    return read.isValid ? read.toMillis() : null;
  }
  if (/^\d+$/.test(text)) return spellsDateTime(text) ? null : epochMs(Number(text));
  const at = DATE_TIME.exec(text);
  if (!at) return null;
  const [, date, time = '', offset] = at;
  if (offset !== undefined && offsetMinutes(offset) > WIDEST_OFFSET_MINUTES) return null;
  const iso = `${date}T${time.replace(',', '.')}`;
  const read = DateTime.fromISO(offset === undefined ? withOffsetIn(iso, timeZone) : `${iso}${offset}`, {
    setZone: true,
  });
  return read.isValid && hasOffset(read.toISO() ?? '') ? read.toMillis() : null;
}
