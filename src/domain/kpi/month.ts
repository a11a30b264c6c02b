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

/**
 * Membership test for one month, judged in each instant's own zone: [local midnight of the 1st,
 * local midnight of the next 1st). Bounds are cached per zone because a run asks about a few
 * zones but many instants.
 */
export function monthTester(month: Month): (epochMs: number | null, zone: string) => boolean {
  const bounds = new Map<string, readonly [number, number]>();
  const boundsIn = (zone: string): readonly [number, number] => {
    let b = bounds.get(zone);
    if (!b) {
      const start = DateTime.fromObject({ year: month.year, month: month.month, day: 1 }, { zone });
      if (!start.isValid) throw new Error(`KPI: unknown time zone "${zone}"`);
      b = [start.toMillis(), start.plus({ months: 1 }).toMillis()];
      bounds.set(zone, b);
    }
    return b;
  };
  return (epochMs, zone) => {
    if (epochMs === null) return false;
    const [start, end] = boundsIn(zone);
    return epochMs >= start && epochMs < end;
  };
}
