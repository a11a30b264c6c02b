import { businessDaysBetween } from './calendar.ts';
import { DAY_MS } from './days.ts';
import type { BusinessCalendar, SlaClock } from './types.ts';

export type SlaBreach = 'response' | 'completion';

/** Where the completion clock stands: its stop, the start of an open pause, or now. */
function completionReading(clock: SlaClock, now: number): number {
  if (clock.resolvedAt !== null) return clock.resolvedAt;
  const last = clock.pauses.at(-1);
  // While paused the due date is due to move out by the time left at the pause start, so only
  // a pause that began after the due date is already a breach.
  return last && last.to === null ? Math.min(now, last.from) : now;
}

/**
 * Sets the breach flags a clock has earned by `now` and reports which ones turned true in this
 * call. A target is missed when its clock stopped after the due date, or is still running past
 * it; exactly at the due date is on time. Flags never clear again.
 */
export function checkBreaches(clock: SlaClock, now: number): { clock: SlaClock; newlyBreached: SlaBreach[] } {
  const newlyBreached: SlaBreach[] = [];
  const responseDue = clock.responseDueAt;
  if (!clock.responseBreached && responseDue !== null && (clock.respondedAt ?? now) > responseDue) {
    newlyBreached.push('response');
  }
  if (!clock.completionBreached && completionReading(clock, now) > clock.completionDueAt) {
    newlyBreached.push('completion');
  }
  if (newlyBreached.length === 0) return { clock, newlyBreached };
  return {
    clock: {
      ...clock,
      responseBreached: clock.responseBreached || newlyBreached.includes('response'),
      completionBreached: clock.completionBreached || newlyBreached.includes('completion'),
    },
    newlyBreached,
  };
}

/**
 * Time from opening to resolution (or to `now` while open), for KPIs.
 * - businessDays: business time on the clock's calendar minus every pause, i.e. what the
 *   department is accountable for.
 * - calendarDays: plain wall time / 24 h, pauses NOT subtracted: what the requester waited.
 * Both end at the first resolution: a reopen does not run the clock again (see clock.ts).
 */
export function completionElapsed(
  clock: SlaClock,
  cal: BusinessCalendar,
  now: number,
): { businessDays: number; calendarDays: number } {
  const end = clock.resolvedAt ?? now;
  const last = clock.pauses.at(-1);
  const openPaused = last && last.to === null ? businessDaysBetween(cal, last.from, end) : 0;
  const business = businessDaysBetween(cal, clock.startedAt, end) - clock.pausedBusinessDays - openPaused;
  return {
    // Float error of the subtraction must not show as a tiny negative.
    businessDays: Math.max(0, business),
    calendarDays: Math.max(0, end - clock.startedAt) / DAY_MS,
  };
}
