// W3C date-time (a profile of ISO 8601): a date, optionally a time with a zone. The spec's
// example is 2010-01-01T00:00:00Z; a bare date is read as midnight UTC. The profile puts no bound
// on the fraction of a second, and clients write six digits (Python's isoformat, Ruby's
// xmlschema(6)): it is cut to the milliseconds the requests are kept at.
const W3C =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:T(?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.\d+)?)?(?:Z|[+-](?<zoneHour>\d{2}):(?<zoneMinute>\d{2})))?$/;
const BEYOND_MILLISECONDS = /(\.\d{3})\d+/;

// Date.parse rolls a day or an hour past its end over (2026-09-31 is 1 October, 24:00 the next
// day's midnight), so a date that does not exist would search a window nobody asked for. Each
// part must be in its range; the leap second (:60) is refused too, as JavaScript has none.
const RANGES = {
  month: [1, 12],
  hour: [0, 23],
  minute: [0, 59],
  second: [0, 59],
  zoneHour: [0, 23],
  zoneMinute: [0, 59],
} as const;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The instant a W3C date-time names, in epoch milliseconds; null if it is not one or names no real time. */
export function parseW3cDateTime(text: string): number | null {
  const parts = W3C.exec(text)?.groups;
  if (!parts) return null;
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const value = parts[name];
    if (value !== undefined && (Number(value) < min || Number(value) > max)) return null;
  }
  const day = Number(parts['day']);
  if (day < 1 || day > daysIn(Number(parts['year']), Number(parts['month']))) return null;
  const ms = Date.parse(text.replace(BEYOND_MILLISECONDS, '$1'));
  return Number.isFinite(ms) ? ms : null;
}
