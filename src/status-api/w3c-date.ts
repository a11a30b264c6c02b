// W3C date-time (a profile of ISO 8601): a date, optionally a time with a zone. The spec's
// example is 2010-01-01T00:00:00Z; a bare date is read as midnight UTC. The profile puts no bound
// on the fraction of a second, and clients write six digits (Python's isoformat, Ruby's
// xmlschema(6)): it is cut to the milliseconds the requests are kept at. Beyond the profile, what
// common clients write is read too: the zone in ISO 8601's basic format, +0200 (PHP's DATE_ISO8601,
// Java's SimpleDateFormat Z, Python's %z), and a lower-case t or z, as RFC 3339 allows.
const W3C =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?<fraction>\.\d+)?)?(?<zone>[Zz]|[+-](?<zoneHour>\d{2}):?(?<zoneMinute>\d{2})))?$/;
/** A date and time without a zone: it names a different instant in every zone. */
const WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
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
  // Written back in the profile's own form for Date.parse, which reads nothing else reliably.
  const { year, month, hour, minute, second, fraction, zone, zoneHour, zoneMinute } = parts;
  const date = `${year}-${month}-${parts['day']}`;
  if (hour === undefined) return finite(Date.parse(date));
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : `${zone?.[0] ?? '+'}${zoneHour}:${zoneMinute}`;
  const time = `${hour}:${minute}:${second ?? '00'}${fraction?.replace(BEYOND_MILLISECONDS, '$1') ?? ''}`;
  return finite(Date.parse(`${date}T${time}${offset}`));
}

/** Whether the text is a date and time that only lacks its zone, to say so instead of "not a date". */
export function lacksZone(text: string): boolean {
  return WITHOUT_ZONE.test(text);
}

const finite = (ms: number): number | null => (Number.isFinite(ms) ? ms : null);
