/**
 * Instants the KPI rules turn on: near the ends of a month (local midnight of a 1st, 1 ms either
 * side, a day or two off) in zones with DST jumps, jumps at midnight (America/Havana) and odd
 * offsets (Asia/Kathmandu +05:45, Pacific/Chatham +12:45, Australia/Lord_Howe's half-hour DST).
 * Luxon builds them; the oracle never uses it, so a fault of both cannot hide behind the other.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';

export const ZONES = [
  'UTC',
  'America/New_York',
  'America/Havana',
  'America/St_Johns',
  'America/Santiago',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
] as const;

/** Months with clock changes near their ends in several of the zones, and a year's end. */
export const MONTHS = ['2026-03', '2026-04', '2026-10', '2026-11', '2026-12', '2027-01'] as const;

export const MS = 1;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Small steps that cross a boundary or stop just short of it; 0 most often. */
export const nudgeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(-MS, MS, -HOUR, HOUR, -DAY, DAY) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * DAY, max: 3 * DAY }) },
);

/**
 * An instant near month `month` in `zone`: a local day near its first or next month's first (or
 * anywhere in it), at local midnight or any time of day, then nudged.
 */
export const instantNear = (month: string, zone: string): fc.Arbitrary<number> =>
  fc
    .record({
      edge: fc.constantFrom(0, 1),
      day: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -25, max: 25 })),
      time: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: DAY - 1 })),
      nudge: nudgeArb,
    })
    .map(({ edge, day, time, nudge }) => {
      const [year, m] = month.split('-').map(Number);
      const first = DateTime.fromObject({ year, month: m, day: 1 }, { zone }).plus({ months: edge, days: day });
      return first.startOf('day').toMillis() + time + nudge;
    });
