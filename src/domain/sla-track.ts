import type { Draft } from './draft.ts';
import { isClosed } from './lifecycle.ts';
import type { StatusSla } from './outputs.ts';
import type { Policy } from './policy.ts';
import {
  checkBreaches,
  completionElapsed,
  isPaused,
  markResolved,
  markResponded,
  pauseClock,
  reopenClock,
  resumeClock,
  startClock,
  type BusinessCalendar,
  type SlaClock,
  type SlaPolicy,
} from './sla/index.ts';
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
 * Moves a ticket's SLA clocks to match the state it is about to publish. Instants are the
 * source's (the input event's occurredAt), so a late-delivered event is judged by when it
 * happened; they are kept between the clock's start and processing time, so a skewed source
 * clock can neither run time backwards nor stop a clock in the future.
 */
export function trackSla(t: TicketState, state: TicketLifecycleState, draft: Draft): SlaClock | null {
  const rules = rulesOf(draft.ctx.policy, t, t.sla);
  if (!rules) return t.sla;
  const { policy, calendar } = rules;
  let clock = t.sla ?? startClock(policy, calendar, t.requestedAt ?? draft.input.occurredAt);
  const at = Math.max(clock.startedAt, Math.min(draft.input.occurredAt, draft.ctx.now));

  if (clock.resolvedAt !== null && state !== 'RESOLVED') clock = reopenClock(clock, at);
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
  return clockWatched(state) || state === 'RESOLVED' ? checkBreaches(clock, draft.ctx.now).clock : clock;
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

const round4 = (n: number): number => Math.round(n * 10_000) / 10_000;

/** The SLA fields every status carries, from the ticket's clock. */
export function statusSla(t: TicketState, state: TicketLifecycleState, policy: Policy): StatusSla {
  const holdReason = state === 'ON_HOLD' ? holdReasonOf(t) : null;
  const clock = t.sla;
  if (!clock) return { ...NO_SLA, requestedAt: t.requestedAt, holdReason };
  const calendar = policy.sla?.calendarNamed(clock.calendar);
  const open = clock.pauses.at(-1);
  const elapsed = clock.resolvedAt !== null && calendar ? completionElapsed(clock, calendar, clock.resolvedAt) : null;
  return {
    requestedAt: t.requestedAt ?? clock.startedAt,
    slaPolicy: clock.policy,
    slaTimeZone: calendar?.timeZone ?? null,
    responseDueAt: clock.responseDueAt,
    completionDueAt: clock.completionDueAt,
    respondedAt: clock.respondedAt,
    resolvedAt: clock.resolvedAt,
    responseBreached: clock.responseBreached,
    completionBreached: clock.completionBreached,
    slaPaused: open !== undefined && open.to === null,
    slaPausedAt: open && open.to === null ? open.from : null,
    holdReason,
    businessDaysToResolve: elapsed ? round4(elapsed.businessDays) : null,
    calendarDaysToResolve: elapsed ? round4(elapsed.calendarDays) : null,
  };
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
  const wos = next.workOrders;
  const department = (wos.filter((w) => !w.misrouted).at(-1) ?? wos.at(-1))?.department ?? 'unrouted';
  const out: BreachFlagged[] = [];
  if (after.responseBreached && !before?.responseBreached) out.push({ target: 'response', department });
  if (after.completionBreached && !before?.completionBreached) out.push({ target: 'completion', department });
  return out;
}
