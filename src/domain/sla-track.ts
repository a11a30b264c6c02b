import type { Draft } from './draft.ts';
import { isImported } from './import.ts';
import { EXPORT_DUE_POLICY, exportDueClock, exportTarget } from './sla-export.ts';
import { isClosed } from './lifecycle.ts';
import { holdingDepartment } from './notes.ts';
import type { StatusSla } from './outputs.ts';
import type { Policy } from './policy.ts';
import { EARLIEST_EVENT_TIME, requestTime, showTime } from './request-time.ts';
import {
  judgedBreaches,
  completionElapsed,
  endPause,
  LINKED,
  isLinked,
  isPaused,
  linkClock,
  markResolved,
  markResponded,
  pauseClock,
  releaseRetired,
  resolveLinked,
  resumeClock,
  stampResolved,
  startClock,
  unlinkClock,
  withoutResponse,
  type BusinessCalendar,
  type SlaClock,
  type SlaPolicy,
} from './sla/index.ts';
import { DAY_MS } from './sla/days.ts';
import type { TicketState } from './state.ts';
import type { TicketLifecycleState } from './types.ts';

/** States in which the department has taken the work on: the response clock stops at the first. */
const RESPONDED: readonly TicketLifecycleState[] = [
  'ACCEPTED',
  'ASSIGNED',
  'SCHEDULED',
  'IN_PROGRESS',
  'ON_HOLD',
  'RESOLVED',
];

/** Duplicates run on their parent's clock and cancellations on nobody's: no breaches for them. */
export function clockWatched(state: TicketLifecycleState): boolean {
  return !isClosed(state) && state !== 'DUPLICATE';
}

/**
 * A ticket linked to a parent (a duplicate, or a follow-up) mirrors the parent's work; the
 * parent's clock is the one the department answers for, so the child's stands still: paused
 * (sla/clock.ts linkClock), so that a ticket released again gets back the time it had left.
 */
export function clockFrozen(t: TicketState): boolean {
  return t.parent?.accepted === true;
}

/**
 * An imported ticket's clock: history is old by nature, so its request time is believed however
 * far back it lies (never IMPLAUSIBLE_TIME), and the export's own due date, when it has one (and
 * it is not before the start: see exportTarget), is the completion target instead of the
 * policy's. It runs no response target: an export records no first response (see withoutResponse).
 */
function importedClock(t: TicketState, policy: SlaPolicy, calendar: BusinessCalendar, draft: Draft): SlaClock {
  const { occurredAt } = draft.input;
  // However old, but a time at all: an export's corrupt date (an Avro long far before any Date,
  // or before EARLIEST_EVENT_TIME, which the import tool refuses but another producer may send)
  // made the business calendar throw, and decide() must not (found by the property tests).
  const believed = (at: number | null): at is number =>
    at !== null && Number.isFinite(at) && at >= EARLIEST_EVENT_TIME && at <= draft.ctx.now;
  const reported = Math.min(occurredAt, draft.ctx.now);
  const start = believed(t.requestedAt) ? t.requestedAt : believed(reported) ? reported : draft.ctx.now;
  const clock = withoutResponse(startClock(policy, calendar, start));
  const due = exportTarget(t, start, draft);
  return due !== null ? { ...clock, completionDueAt: due } : clock;
}

/** Why an ON_HOLD ticket waits: the reason of the first work order on hold that gives one. */
export function holdReasonOf(t: TicketState): string | null {
  return t.workOrders.find((w) => w.state === 'ON_HOLD' && w.holdReason !== null)?.holdReason ?? null;
}

interface Rules {
  readonly policy: SlaPolicy;
  readonly calendar: BusinessCalendar;
}

/**
 * The policy and calendar a running clock keeps to: the ones it started with, while they are
 * still configured, so a config edit cannot swap a ticket's calendar halfway.
 */
function rulesOf(policy: Policy, t: TicketState, clock: SlaClock | null): Rules | null {
  const sla = policy.sla;
  if (!sla) return null;
  const p = (clock ? sla.policyNamed(clock.policy) : undefined) ?? sla.policyFor(t.serviceCode);
  if (!p) return null;
  const calendar = (clock ? sla.calendarNamed(clock.calendar) : undefined) ?? sla.calendarNamed(p.calendar);
  return calendar ? { policy: p, calendar } : null;
}

/**
 * The calendar a clock is read on: its own, else its (possibly renamed) policy's. Its own still
 * reads it once its policy is gone, so a resolved ticket's business days to resolve stay published.
 */
function calendarOf(policy: Policy, t: TicketState, clock: SlaClock): BusinessCalendar | undefined {
  return rulesOf(policy, t, clock)?.calendar ?? policy.sla?.calendarNamed(clock.calendar);
}

/**
 * A policy clock whose policy (or calendar) is no longer configured: no rule is left to move its
 * due dates, so the timer has nothing to schedule for it (decideSlaCheck skips it).
 */
export function clockRetired(t: TicketState, policy: Policy): boolean {
  const clock = t.sla;
  return clock !== null && clock.policy !== EXPORT_DUE_POLICY && rulesOf(policy, t, clock) === null;
}

/**
 * The clock of a ticket whose policy was removed from config after it started. Its verdicts are
 * facts of the past: a stopped clock stands as it is, so a resolved ticket's status and the months
 * already published do not change (docs/kpi.md), and a running one keeps its due dates. It still
 * records what happens (a response, a resolution, a release from its parent, the end of a hold,
 * which move the due dates as before when the calendar is still configured), but opens no new
 * pause: no policy says which holds excuse. With its calendar gone too, a business-day due date
 * cannot be moved: the clock only records the response and the resolution and keeps its flags,
 * never judged against a due date it could not move; a pause it cannot count stays open.
 */
function retiredClock(clock: SlaClock, state: TicketLifecycleState, draft: Draft): SlaClock {
  if (clock.resolvedAt !== null) return clock;
  const calendar = draft.ctx.policy.sla?.calendarNamed(clock.calendar);
  const at = Math.max(clock.startedAt, Math.min(draft.input.occurredAt, draft.ctx.now));
  let next = releaseRetired(clock, calendar, at);
  if (RESPONDED.includes(state)) next = markResponded(next, at);
  if (!calendar && clock.completionUnit === 'business_days') {
    return state === 'RESOLVED' ? stampResolved(next, at) : next;
  }
  if (state === 'RESOLVED') next = markResolved(next, calendar, at);
  else if (state !== 'ON_HOLD') next = endPause(next, calendar, at);
  if (!calendar) return next;
  if (!clockWatched(state) && state !== 'RESOLVED') return next;
  return judgedBreaches(next, draft.ctx.now);
}

/**
 * Moves a ticket's SLA clocks to match the state it is about to publish. Instants are the
 * source's (the input event's occurredAt), so a late-delivered event is judged by when it
 * happened; they are kept between the clock's start and processing time, so a skewed source
 * clock can neither run time backwards nor stop a clock in the future.
 */
export function trackSla(t: TicketState, state: TicketLifecycleState, draft: Draft): SlaClock | null {
  if (clockFrozen(t)) return frozenClock(t, t.sla, state, draft);
  const rules = rulesOf(draft.ctx.policy, t, t.sla);
  // No policy applies: the ticket runs no clock, unless a history export set it a due date of its
  // own. One whose policy was removed after its clock started keeps that clock (retiredClock).
  // (clockRetired, asked here with the rules already looked up.)
  if (!rules)
    return t.sla && t.sla.policy !== EXPORT_DUE_POLICY
      ? retiredClock(t.sla, state, draft)
      : exportDueClock(t, state, draft);
  const { policy, calendar } = rules;
  const { occurredAt } = draft.input;
  // Clocks start when a ticket first publishes (it opens), never for one that was already
  // open before SLAs were configured: its targets would be backdated and breached at once.
  // History published before is such a ticket too (numbered below zero, IMPORTED_VERSION_BASE):
  // a live event on it starts nothing, while more history may still start a clock of history.
  if (!t.sla && t.version !== 0 && !isImported(draft.input)) return null;
  let clock = t.sla;
  if (!clock && isImported(draft.input)) {
    clock = importedClock(t, policy, calendar, draft);
  } else if (!clock) {
    // A live ticket's request time was judged when it opened, and passes again unchanged; this
    // judges the ones that were not: history going live, states written before.
    const start = requestTime(t.requestedAt, occurredAt, draft.ctx);
    if (start.doubt) {
      draft.violation(t.ticketId, 'IMPLAUSIBLE_TIME', `${start.doubt}; SLA clocks start at ${showTime(start.at)}`);
    }
    clock = startClock(policy, calendar, start.at);
  }
  const at = Math.max(clock.startedAt, Math.min(occurredAt, draft.ctx.now));
  // Released from its parent (cancelled without its work, or the link replaced): the time it
  // stood linked is not the department's, whatever state the ticket comes back in.
  if (isLinked(clock)) clock = unlinkClock(clock, policy, calendar, at);

  // A reopen leaves a stopped clock stopped: its verdicts stand (see clock.ts).
  if (RESPONDED.includes(state)) clock = markResponded(clock, at);
  if (state === 'ON_HOLD') {
    const reason = holdReasonOf(t);
    const r = reason === null ? null : pauseClock(clock, policy, calendar, at, reason);
    // A hold whose reason does not excuse the department (or changed to one that does not)
    // lets the clock run.
    clock = r && !r.refused ? r.clock : resumeClock(clock, policy, calendar, at);
  } else if (isPaused(clock)) {
    clock = resumeClock(clock, policy, calendar, at);
  }
  if (state === 'RESOLVED') clock = markResolved(clock, calendar, at);
  if (!clockWatched(state) && state !== 'RESOLVED') return clock;
  // Judged afresh from the instants: a late-delivered event (an acceptance, a hold) that shows
  // a target met withdraws a flag the timer raised before it arrived.
  return judgedBreaches(clock, draft.ctx.now);
}

/**
 * A frozen clock keeps its flags and stands paused (its due dates move out only if the ticket
 * is released), and records when its ticket resolved (with its parent), for the status to show;
 * the KPIs place a duplicate by when it became one (docs/kpi.md R8). An export's own due date is a
 * date the city set, on no business calendar: it is kept as it is.
 */
function frozenClock(
  t: TicketState,
  clock: SlaClock | null,
  state: TicketLifecycleState,
  draft: Draft,
): SlaClock | null {
  if (!clock || clock.resolvedAt !== null) return clock;
  const at = Math.max(clock.startedAt, Math.min(draft.input.occurredAt, draft.ctx.now));
  if (state === 'RESOLVED') return resolveLinked(clock, calendarOf(draft.ctx.policy, t, clock), at);
  return clock.policy === EXPORT_DUE_POLICY ? clock : linkClock(clock, at);
}

const NO_SLA = {
  slaPolicy: null,
  slaTimeZone: null,
  responseDueAt: null,
  completionDueAt: null,
  respondedAt: null,
  resolvedAt: null,
  responseBreached: false,
  completionBreached: false,
  slaPaused: false,
  slaPausedAt: null,
  businessDaysToResolve: null,
  calendarDaysToResolve: null,
} as const;

/**
 * Days to resolve as exact as the instants, for the KPI to round once to 2 decimals (docs/kpi.md
 * R6): rounded here to 4, 1.00495 days read 1.005 and then 1.01, not 1.00. Rounding to 12 clears
 * only the float error of adding up day fractions (4.250000000000001); it cannot carry a value
 * across a KPI rounding boundary, since the fractions are whole milliseconds of days of 23 to 25
 * hours, whose nearest non-boundary sum lies some 2e-11 away from it.
 */
const withoutFloatError = (days: number): number => Math.round(days * 1e12) / 1e12;

/**
 * The SLA fields every status carries, from the ticket's clock: `clock`, the one it is about to
 * be settled with (passed apart, so the ticket is not copied for it).
 */
export function statusSla(
  t: TicketState,
  clock: SlaClock | null,
  state: TicketLifecycleState,
  policy: Policy,
): StatusSla {
  const holdReason = state === 'ON_HOLD' ? holdReasonOf(t) : null;
  if (!clock) return { ...NO_SLA, requestedAt: t.requestedAt, holdReason };
  const calendar = calendarOf(policy, t, clock);
  // A status says paused for a hold only (its schema's word): a linked ticket's clock stands
  // still too, but the ticket is not on hold, and the time comes back only if it is released.
  const last = clock.pauses.at(-1);
  const stopped = clock.resolvedAt !== null;
  const open = last && last.to === null && last.reason !== LINKED && !stopped ? last : undefined;
  // Resolved with a pause still open: its calendar was gone, so the due date could not be moved
  // out past the pause (stampResolved), and no completion target is left to judge it by.
  const unjudged = stopped && last !== undefined && last.to === null;
  const elapsed = stopped ? elapsedToResolve(clock, calendar, clock.resolvedAt) : null;
  const businessDays = clock.businessDaysToResolve ?? elapsed?.businessDays ?? null;
  return {
    requestedAt: t.requestedAt ?? clock.startedAt,
    slaPolicy: clock.policy,
    slaTimeZone: clock.timeZone ?? calendar?.timeZone ?? null,
    responseDueAt: clock.responseDueAt,
    completionDueAt: unjudged ? null : clock.completionDueAt,
    respondedAt: clock.respondedAt,
    resolvedAt: clock.resolvedAt,
    responseBreached: clock.responseBreached,
    completionBreached: clock.completionBreached,
    slaPaused: open !== undefined,
    slaPausedAt: open?.from ?? null,
    holdReason,
    businessDaysToResolve: businessDays !== null ? withoutFloatError(businessDays) : null,
    calendarDaysToResolve: elapsed ? withoutFloatError(elapsed.calendarDays) : null,
  };
}

/**
 * Days to resolve. Calendar days are wall time and need no calendar; business days need one, and
 * a clock without one (an export's own due date, or a calendar since removed from config) has
 * none: null, which the KPI output counts and says (docs/kpi.md R6), never a made-up figure.
 */
function elapsedToResolve(
  clock: SlaClock,
  calendar: BusinessCalendar | undefined,
  resolvedAt: number,
): { businessDays: number | null; calendarDays: number } {
  if (calendar) return completionElapsed(clock, calendar, resolvedAt);
  return { businessDays: null, calendarDays: Math.max(0, resolvedAt - clock.startedAt) / DAY_MS };
}

export interface BreachFlagged {
  readonly target: 'response' | 'completion';
  /** The department holding the work (the last one that did not send it back), or "unrouted". */
  readonly department: string;
}

/** The breach flags a decision turned on, for metrics. */
export function breachesFlagged(prev: TicketState | null, next: TicketState | null): BreachFlagged[] {
  const after = next?.sla;
  if (!after || !next) return [];
  const before = prev?.sla;
  const department = holdingDepartment(next) ?? 'unrouted';
  const out: BreachFlagged[] = [];
  if (after.responseBreached && !before?.responseBreached) out.push({ target: 'response', department });
  if (after.completionBreached && !before?.completionBreached) out.push({ target: 'completion', department });
  return out;
}
