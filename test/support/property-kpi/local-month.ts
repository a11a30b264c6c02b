/**
 * The oracle's months (docs/kpi.md R1), from the document's words and nothing in src/: a month runs
 * from the first instant whose local date is its 1st up to the first instant of the next month's
 * 1st. Local dates come from Intl.DateTimeFormat. The first instant is found by walking the hours
 * around the 1st minute by minute (zone offsets have been whole minutes for a century): slow, but
 * plainly right, and each month's start is kept once found.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD of the instant in the zone. */
export function localDate(ms: number, zone: string): string {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(zone, f);
  }
  const part = (type: string) => f.formatToParts(ms).find((p) => p.type === type)?.value ?? '?';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const starts = new Map<string, number>();

/** The first instant whose local date in `zone` is the 1st of month `index` (year × 12 + month − 1). */
function firstInstantOf(index: number, zone: string): number {
  const key = `${zone}|${index}`;
  const kept = starts.get(key);
  if (kept !== undefined) return kept;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const first = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
  const utc = Date.UTC(year, month - 1, 1);
  // Every zone's midnight of the 1st lies within 14 hours either side of UTC's.
  for (let t = utc - 15 * HOUR; t <= utc + 15 * HOUR; t += MINUTE) {
    if (localDate(t, zone) !== first) continue;
    if (localDate(t - 1, zone) === first) throw new Error(`the 1st in ${zone} does not start on a minute`);
    starts.set(key, t);
    return t;
  }
  throw new Error(`no instant of ${first} found in ${zone}`);
}

const indexOf = (month: string): number => {
  const [y, m] = month.split('-').map(Number);
  return (y ?? 0) * 12 + (m ?? 1) - 1;
};

/** Whether the instant is in month `YYYY-MM` in the zone. */
export function inMonth(ms: number, zone: string, month: string): boolean {
  const i = indexOf(month);
  return ms >= firstInstantOf(i, zone) && ms < firstInstantOf(i + 1, zone);
}

/** R1: a due instant falls due on the day holding the last instant before it. */
export const dueInMonth = (dueAt: number, zone: string, month: string): boolean => inMonth(dueAt - 1, zone, month);

/** The month `YYYY-MM` that is `k` months after `month`. */
export function monthPlus(month: string, k: number): string {
  const i = indexOf(month) + k;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The first instant of the month in the zone, as the oracle reads R1. */
export const monthStartIn = (month: string, zone: string): number => firstInstantOf(indexOf(month), zone);
