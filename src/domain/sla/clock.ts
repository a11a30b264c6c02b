import { completionElapsed } from './breaches.ts';
import { addBusinessDays, businessDaysBetween, dueAt } from './calendar.ts';
import type { BusinessCalendar, SlaClock, SlaPause, SlaPolicy, SlaUnit } from './types.ts';

/*
 * Clock operations are pure: each returns a new clock, or the same object when nothing changed
 * (callers may compare by identity). Breach flags are set only by checkBreaches (breaches.ts),
 * so that every breach is reported exactly once whichever event or timer reveals it.
 *
 * A stopped clock stays stopped: a reopen is new work, not a retroactive failure. The targets
 * were judged at the first resolution, in the month they fell due, and councils compare those
 * months' published figures; a reopen weeks later must not turn an on-time month late (see
 * docs/kpi.md R5). The work after a reopen has no SLA target of its own; the sentinel watches it
 * as any open ticket (silent work orders, configured state limits).
 */

/** Closed pauses kept on the clock; older ones survive only in the totals. */
export const MAX_CLOSED_PAUSES = 20;

export function startClock(policy: SlaPolicy, cal: BusinessCalendar, openedAt: number): SlaClock {
  return {
    policy: policy.name,
    calendar: cal.name,
    startedAt: openedAt,
    responseDueAt: dueAt(cal, openedAt, policy.response),
    completionDueAt: dueAt(cal, openedAt, policy.completion),
    completionUnit: policy.completion.unit,
    respondedAt: null,
    resolvedAt: null,
    pauses: [],
    pausedBusinessDays: 0,
    pausedMs: 0,
    responseBreached: false,
    completionBreached: false,
    timeZone: cal.timeZone,
    responseUnit: policy.response.unit,
    businessDaysToResolve: null,
  };
}

export function isPaused(clock: SlaClock): boolean {
  return openPause(clock) !== undefined;
}

function openPause(clock: SlaClock): SlaPause | undefined {
  const last = clock.pauses.at(-1);
  return last && last.to === null ? last : undefined;
}

/** Stops the response clock; a clock without a response target has none to stop. */
export function markResponded(clock: SlaClock, at: number): SlaClock {
  return clock.respondedAt === null && clock.responseDueAt !== null ? { ...clock, respondedAt: at } : clock;
}

/**
 * A clock with no response target: the clock of imported history. An export records when a
 * ticket opened and closed, not when a department first took it on, so a response due date
 * would be judged against an instant nobody recorded (the closure, say) and be a made-up verdict.
 */
export function withoutResponse(clock: SlaClock): SlaClock {
  return { ...clock, responseDueAt: null, respondedAt: null, responseBreached: false };
}

export interface PauseResult {
  readonly clock: SlaClock;
  /** The clock is paused on return (newly or already). */
  readonly paused: boolean;
  /** The reason does not pause this policy's clock; nothing changed. */
  readonly refused: boolean;
  /** This call opened a new pause. */
  readonly started: boolean;
}

/**
 * Opens a pause of the completion clock. A clock already paused stays paused from its first
 * start with its first reason: a change of hold reason is not a new pause. A stopped
 * (resolved) clock does not pause.
 */
export function pauseClock(
  clock: SlaClock,
  policy: SlaPolicy,
  _cal: BusinessCalendar,
  at: number,
  reason: string,
): PauseResult {
  const paused = isPaused(clock);
  if (clock.resolvedAt !== null) return { clock, paused, refused: false, started: false };
  if (!policy.pauseReasons.includes(reason)) return { clock, paused, refused: true, started: false };
  if (paused) return { clock, paused, refused: false, started: false };
  const pause: SlaPause = { from: at, to: null, reason };
  return { clock: { ...clock, pauses: [...clock.pauses, pause] }, paused: true, refused: false, started: true };
}

/**
 * Closes the open pause and moves the completion due date: the time left at the pause start is
 * added again from the resume instant (business days for a business-day target, so a resume on
 * a weekend starts counting on Monday; plain ms for a calendar-hours target). A pause that began
 * at or after the due date leaves it where it was: that target was already missed. The unit is
 * the one the clock started with, so a policy edited meanwhile cannot mix units.
 */
export function resumeClock(clock: SlaClock, _policy: SlaPolicy, cal: BusinessCalendar, at: number): SlaClock {
  return closePause(clock, cal, at);
}

/**
 * Closes the open pause (a hold's or a link's) of a clock whose policy is gone: the completion due
 * date moves out as resumeClock moves it when the calendar is known; without it, a business-day
 * due date cannot be moved and stays where it was.
 */
export function endPause(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  return closePause(clock, cal, at);
}

function closePause(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  const pause = openPause(clock);
  // A stopped clock's pause is left as the resolution left it (see stampStopped): its verdicts stand.
  if (!pause || clock.resolvedAt !== null) return clock;
  // An out-of-order resume before its pause closes the pause empty rather than negative.
  const to = Math.max(at, pause.from);
  const completionDueAt = cal
    ? movedOut(clock.completionDueAt, clock.completionUnit, cal, pause.from, to)
    : clock.completionUnit === 'calendar_hours' && pause.from < clock.completionDueAt
      ? to + (clock.completionDueAt - pause.from)
      : clock.completionDueAt;
  const closed = [...clock.pauses.slice(0, -1), { ...pause, to }].slice(-MAX_CLOSED_PAUSES);
  return {
    ...clock,
    completionDueAt,
    pauses: closed,
    pausedBusinessDays: clock.pausedBusinessDays + (cal ? businessDaysBetween(cal, pause.from, to) : 0),
    pausedMs: clock.pausedMs + (to - pause.from),
  };
}

/**
 * A due date moved out by a pause from `from` to `to`: the time that was left at `from` counts
 * again from `to`. A pause that began at or after the due date leaves it: the target was missed.
 */
function movedOut(due: number, unit: SlaUnit, cal: BusinessCalendar, from: number, to: number): number {
  if (from >= due) return due;
  return unit === 'business_days' ? addBusinessDays(cal, to, businessDaysBetween(cal, from, due)) : to + (due - from);
}

/**
 * The reason of the pause a clock takes while its ticket is linked to a parent (a duplicate, a
 * follow-up): lower-case, so that no configured hold reason (upper-snake) can be taken for it.
 */
export const LINKED = 'linked';

/** The clock stands still because its ticket is linked (not on hold). */
export function isLinked(clock: SlaClock): boolean {
  return openPause(clock)?.reason === LINKED;
}

/**
 * Stops the clock of a ticket linked to a parent: the parent's clock is the one the department
 * answers for. It is a pause, so that a ticket released again (its parent cancelled) gets back
 * the time it had left (see unlinkClock). A clock already paused (the ticket was on hold) stays
 * paused from its hold; a stopped (resolved) one stays stopped.
 */
export function linkClock(clock: SlaClock, at: number): SlaClock {
  if (clock.resolvedAt !== null || isPaused(clock)) return clock;
  return { ...clock, pauses: [...clock.pauses, { from: at, to: null, reason: LINKED }] };
}

/**
 * Ends the linked pause of a ticket released from its parent: both targets move out by the
 * time that was left on them at the link, as a hold's end moves the completion target. The
 * response target too, unlike a hold (which comes after a response): a ticket may be linked
 * before any department took it on, and its own work orders were withdrawn meanwhile. The
 * response target's unit is the one the clock started with, else (a clock written before it was
 * kept) its policy's.
 */
export function unlinkClock(clock: SlaClock, policy: SlaPolicy, cal: BusinessCalendar, at: number): SlaClock {
  return released(clock, clock.responseUnit ?? policy.response.unit, cal, at);
}

/**
 * unlinkClock for a clock whose policy is gone: the unit kept on the clock says how to move the
 * response due date. Where it cannot be moved (a clock written before the unit was kept, or a
 * business-day target whose calendar is gone too) and the target was still open at the link, the
 * response target is cleared rather than judged over time that was not the department's.
 */
export function releaseRetired(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  return released(clock, clock.responseUnit ?? null, cal, at);
}

function released(clock: SlaClock, unit: SlaUnit | null, cal: BusinessCalendar | undefined, at: number): SlaClock {
  const pause = openPause(clock);
  if (pause?.reason !== LINKED || clock.resolvedAt !== null) return clock;
  const closed = closePause(clock, cal, at);
  const due = clock.responseDueAt;
  // Answered, or already missed at the link: the response verdict stands as it was.
  if (due === null || clock.respondedAt !== null || pause.from >= due) return closed;
  const to = Math.max(at, pause.from);
  if (unit === 'calendar_hours') return { ...closed, responseDueAt: to + (due - pause.from) };
  if (unit === 'business_days' && cal) return { ...closed, responseDueAt: movedOut(due, unit, cal, pause.from, to) };
  return withoutResponse(closed);
}

/**
 * The clock of a linked ticket that resolves with its parent: the linked pause is dropped, not
 * closed, so the ticket keeps the due dates it had at the link (its parent's clock judged the
 * work) and its days to resolve run from its request, as the requester waited. A ticket linked
 * while on an excusing hold stood paused by the hold (linkClock kept it): that pause is closed
 * here, as markResolved closes it, so its due date moves out by the time left at the hold, and no
 * resolved clock is left paused for ever. Without its calendar (removed from config) a
 * business-day due date cannot be moved and stays.
 */
export function resolveLinked(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  if (clock.resolvedAt !== null) return clock;
  if (isLinked(clock)) return stopped({ ...clock, pauses: clock.pauses.slice(0, -1) }, cal, at);
  return stopped(closePause(clock, cal, at), cal, at);
}

/**
 * Stops both clocks. A ticket resolved while paused is resumed at `at` first, so the time
 * it spent on hold does not count against it. RESOLVED is later than any working state, so a
 * response clock still running stops here too (a clock without a response target has none). A
 * second resolve changes nothing.
 */
export function markResolved(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  if (clock.resolvedAt !== null) return clock;
  return stopped(markResponded(closePause(clock, cal, at), at), cal, at);
}

/**
 * Stops the clock of a ticket resolved after its calendar was removed from config, whose
 * business-day completion due date cannot be moved past the pause still open: the response
 * clock stops and the resolution is recorded, the pause is left open (its end cannot be counted
 * in business days) and the flags stand as they were. statusSla publishes no completion due date
 * for such a clock, which has no target it can be judged against.
 */
export function stampResolved(clock: SlaClock, at: number): SlaClock {
  if (clock.resolvedAt !== null) return clock;
  return { ...markResponded(clock, at), resolvedAt: at };
}

/**
 * The resolution instant, with the business days to resolve while the calendar is known: kept
 * on the clock, so that its status reads the same once its calendar is removed from config.
 */
function stopped(clock: SlaClock, cal: BusinessCalendar | undefined, at: number): SlaClock {
  const done = { ...clock, resolvedAt: at };
  return cal ? { ...done, businessDaysToResolve: completionElapsed(done, cal, at).businessDays } : done;
}
