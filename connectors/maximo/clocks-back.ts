import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { hasOffset } from '../../src/sdk/index.ts';

/**
 * Why the Maximo feed must read further back when clocks go back.
 *
 * Maximo keeps its dates as the app server's local time (a database column without a zone) and
 * compares a query's date in that local time: `changedate >= "05:54Z"` is `>= 01:54` in New York.
 * In the hour the clocks repeat, a change saved at 01:10 the second time (06:10Z) is kept as
 * 01:10, so a query from 01:54 EDT does not find it, and once later changes move the cursor past
 * 02:00 no query ever will: its ticket stops moving. Maximo answers a repeated local time at one
 * of its two offsets: the later one (standard time) as java.util's Calendar reads it, which also
 * puts a change saved at 01:50 EDT an hour ahead of the clock; the earlier one, as java.time would.
 * Either way the query must start at the repeated hour's first local time while the clocks repeat it.
 *
 * With the server's zone known, the query starts early enough beforehand (queryStart), and the
 * cursor remembers what such a query reads again (reachOf). Without it, the feed sees the offset
 * of the dates it reads fall (offsetOf): at the repeated hour's first change answered at the
 * later offset, or at the first change after it; see FeedCursor for what it does then.
 */

/** No zone sets its clocks back by more than this (two hours, in the double summer times of old). */
export const LONGEST_SHIFT_MS = 3 * 3_600_000;

/** The offset from UTC, in minutes, an ISO 8601 date is written with; null without one. */
export function offsetOf(date: string): number | null {
  const read = hasOffset(date) ? DateTime.fromISO(date, { setZone: true }) : null;
  return read?.isValid ? read.offset : null;
}

/** An offset from UTC as ISO 8601 writes it: -04:00. */
export const utcOffset = (minutes: number): string => FixedOffsetZone.instance(minutes).formatOffset(0, 'short');

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

/**
 * The earliest changedate a query meant to read from `start` answers (queryStart's, or less): what
 * the cursor must remember not to publish twice. A query that starts within the shift after the
 * clocks went back (06:20Z, 01:20 EST) finds the first 01:20 too, which a Maximo answering the
 * earlier offset dates the shift before.
 */
export function reachOf(start: number, zone: string | undefined): number {
  const from = queryStart(start, zone);
  if (zone === undefined) return from;
  const back = clocksBack(IANAZone.create(zone), start - LONGEST_SHIFT_MS, start);
  return back !== null && start - back.at < back.byMs ? Math.min(from, start - back.byMs) : from;
}

/**
 * A date as the instant it names when Maximo answered a repeated local time at its later offset
 * before the clocks went back: the later lies further ahead of the bridge's clock than `aheadMs`
 * and the earlier does not, so it can only be the first occurrence (01:30 EDT, answered 01:30 EST
 * at 05:30Z). Read so, such a change is neither an hour ahead of the clock nor of the changes
 * saved after it. Any other date, and any without the server's zone, as it is.
 */
export function firstOccurrence(date: string, zone: string | undefined, now: number, aheadMs: number): string {
  const at = Date.parse(date);
  if (zone === undefined || !(at - now > aheadMs)) return date;
  const back = clocksBack(IANAZone.create(zone), at - LONGEST_SHIFT_MS, at);
  if (back === null || at - back.at >= back.byMs || at - back.byMs - now > aheadMs) return date;
  return DateTime.fromMillis(at - back.byMs, { zone }).toISO({ suppressMilliseconds: true }) ?? date;
}
