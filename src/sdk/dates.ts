import { DateTime, IANAZone } from 'luxon';
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

/** An IANA time zone name, checked (for connector configs). */
export const timeZoneSchema = z.string().refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone');

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
