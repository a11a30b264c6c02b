import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * A point in time as systems send it: epoch milliseconds, an ISO-8601 instant with its offset,
 * or a date without a time ("2024-05-01"), which an expected date often is. Anything else
 * (a local time without an offset, a bare "tomorrow") names no instant and is refused.
 */
export const instantSchema = z.union([z.number(), z.iso.datetime({ offset: true }), z.iso.date()]);

/** An IANA time zone name, checked (for connector configs). */
export const timeZoneSchema = z.string().refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone');

/**
 * Epoch milliseconds of an instantSchema value. A date without a time is the start of that day
 * in `timeZone`, the system's own zone: a date read as UTC midnight would show as the day
 * before anywhere west of Greenwich, and a start of day shows as that day wherever it is read in
 * that zone. (A midnight skipped by a DST change is the first instant of that day.)
 */
export function instantOf(value: number | string, timeZone: string): number {
  if (typeof value === 'number') return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return DateTime.fromISO(value, { zone: timeZone }).toMillis();
  return Date.parse(value);
}
