import { IANAZone } from 'luxon';

/**
 * Why the Maximo feed must read further back when clocks go back.
 *
 * Maximo keeps its dates as the app server's local time (a database column without a zone) and
 * compares a query's date in that local time: `changedate >= "05:54Z"` is `>= 01:54` in New York.
 * In the hour the clocks repeat, a change saved at 01:10 the second time (06:10Z) is stored as
 * 01:10, so a query from 01:54 does not find it, and once later changes move the cursor past
 * 02:00 no query ever will: its ticket stops moving. Java answers such a date with its earlier
 * offset (01:10-04:00), so the feed's dates stay in the order Maximo keeps them, only the query's
 * start must reach the repeated hour's beginning.
 *
 * With the server's zone known, the query starts early enough beforehand (queryStart). Without
 * it, the feed sees the offset of the dates it reads fall (offsetOf) only once a change is saved
 * after the repeated hour, and reads the hour again then.
 */

/** No zone sets its clocks back by more than this (two hours, in the double summer times of old). */
export const LONGEST_SHIFT_MS = 3 * 3_600_000;

/** The offset from UTC, in minutes, an ISO 8601 date is written with; null without one. */
export function offsetOf(date: string): number | null {
  const m = /(?:([+-])(\d{2}):?(\d{2})|Z)$/i.exec(date);
  if (!m) return null;
  if (m[1] === undefined) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The instant in (from, to] where `zone`'s clocks go back, to the millisecond, and by how much. */
function clocksBack(zone: IANAZone, from: number, to: number): { at: number; byMs: number } | null {
  const before = zone.offset(from);
  const after = zone.offset(to);
  if (after >= before) return null;
  let lo = from;
  let hi = to;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return { at: hi, byMs: (before - after) * 60_000 };
}

/**
 * Where a query meant to read every change from `start` on must start in a Maximo whose local
 * time is `zone`'s: `start` itself, unless the clocks go back less than their shift after it.
 * Then the changes saved in the repeated hour after the change have local times before
 * `start`'s, down to the repeated hour's first, which is local time at the shift less its size.
 */
export function queryStart(start: number, zone: string | undefined): number {
  if (zone === undefined) return start;
  const back = clocksBack(IANAZone.create(zone), start, start + LONGEST_SHIFT_MS);
  return back !== null && back.at - start < back.byMs ? back.at - back.byMs : start;
}
