import { businessDaysBetween } from './calendar.ts';
import { DAY_MS } from './days.ts';
import type { BusinessCalendar, SlaClock } from './types.ts';

export type SlaBreach = 'response' | 'completion';

/**
 * The one completion verdict, for the status's flag (checkBreaches) and the KPIs alike
 * (docs/kpi.md R5): a clock stopped at or before its due instant is on time, after it late. While
 * a pause is open the due date is due to move out by the time left at the pause start, so a pause
 * that began before the due instant leaves the verdict unknown however long it lasts; one that
 * began at or after it had no time left to give back (resumeClock leaves such a due date where it
 * was): late. A clock still running is late once past its due instant.
 */
export function completionVerdictAt(
  resolvedAt: number | null,
  pausedAt: number | null,
  dueAt: number,
  now: number,
): 'on-time' | 'late' | 'pending' {
  if (resolvedAt !== null) return resolvedAt <= dueAt ? 'on-time' : 'late';
  if (pausedAt !== null) return pausedAt < dueAt ? 'pending' : 'late';
  return now > dueAt ? 'late' : 'pending';
}

/** When the open pause of a clock began, if one is open. */
function openPauseFrom(clock: SlaClock): number | null {
  const last = clock.pauses.at(-1);
  return last && last.to === null ? last.from : null;
}

/**
 * Sets the breach flags a clock has earned by `now` and reports which ones turned true in this
 * call. A target is missed when its clock stopped after the due date, or is still running past
 * it, or paused at or after it (completionVerdictAt); stopped exactly at the due date is on time.
 * Flags never clear again.
 */
export function checkBreaches(clock: SlaClock, now: number): { clock: SlaClock; newlyBreached: SlaBreach[] } {
  const newlyBreached: SlaBreach[] = [];
  if (!clock.responseBreached && responseMissed(clock, now)) newlyBreached.push('response');
  if (!clock.completionBreached && completionMissed(clock, now)) newlyBreached.push('completion');
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
 * A copy of the clock with both flags judged afresh from its instants at `now`: what
 * checkBreaches gives the clock with its flags cleared, in one copy instead of two (the ticket's
 * clock is judged so after every event).
 */
export function judgedBreaches(clock: SlaClock, now: number): SlaClock {
  return { ...clock, responseBreached: responseMissed(clock, now), completionBreached: completionMissed(clock, now) };
}

/** The response target's rule (see checkBreaches): the first response came, or is to come, after its due. */
function responseMissed(clock: SlaClock, now: number): boolean {
  const due = clock.responseDueAt;
  return due !== null && (clock.respondedAt ?? now) > due;
}

/** The completion target's rule (see checkBreaches and completionVerdictAt). */
function completionMissed(clock: SlaClock, now: number): boolean {
  return completionVerdictAt(clock.resolvedAt, openPauseFrom(clock), clock.completionDueAt, now) === 'late';
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
