import { DateTime } from 'luxon';

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

/** [local midnight of the 1st, local midnight of the next 1st) in zone, as epoch ms. */
export function monthRange(month: Month, zone: string): readonly [start: number, end: number] {
  const start = DateTime.fromObject({ year: month.year, month: month.month, day: 1 }, { zone });
  if (!start.isValid) throw new Error(`KPI: unknown time zone "${zone}"`);
  return [start.toMillis(), start.plus({ months: 1 }).toMillis()];
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

const DAY_MS = 86_400_000;

/**
 * YYYY-MM of instants in one zone, for many instants at once. Working the month out through
 * the zone's rules costs a time-zone lookup each time; each UTC day is looked up once and then
 * remembered: a day wholly inside one local month as that month, a day holding a month's turn (one
 * or two a month) as the instant the local month turns and the months either side, so the answer
 * is the same as the lookup's, only cheaper.
 */
export function monthOfInstant(): (epochMs: number, zone: string) => string {
  type Day = string | { readonly turn: number; readonly before: string; readonly after: string };
  const zones = new Map<string, Map<number, Day>>();
  const exact = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM');
  const learn = (day: number, zone: string): Day => {
    const first = exact(day * DAY_MS, zone);
    const lastMs = day * DAY_MS + DAY_MS - 1;
    const last = exact(lastMs, zone);
    if (first === last) return first;
    const turn = DateTime.fromMillis(lastMs, { zone }).startOf('month').toMillis();
    // A zone's rules might hold a day no month turn explains; then each instant is looked up.
    return Number.isFinite(turn) && turn > day * DAY_MS && turn <= lastMs ? { turn, before: first, after: last } : '';
  };
  return (epochMs, zone) => {
    let days = zones.get(zone);
    if (!days) zones.set(zone, (days = new Map()));
    const day = Math.floor(epochMs / DAY_MS);
    let known = days.get(day);
    if (known === undefined) days.set(day, (known = learn(day, zone)));
    if (typeof known !== 'string') return epochMs < known.turn ? known.before : known.after;
    return known === '' ? exact(epochMs, zone) : known;
  };
}
