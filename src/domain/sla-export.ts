import type { Draft } from './draft.ts';
import { isImported } from './import.ts';
import { showTime } from './request-time.ts';
import type { SlaClock } from './sla/index.ts';
import type { TicketState } from './state.ts';
import type { TicketLifecycleState } from './types.ts';

/** The policy name of a clock that keeps to an export's own due date, which no policy covers. */
export const EXPORT_DUE_POLICY = 'export-due-date';

/**
 * The export's due date (of the OPENED being applied) as the completion target of an imported
 * ticket's clock starting at `start`, with a policy or without, or null. A due date before the
 * start is none: no work could meet it, so it would judge the ticket late whatever was done, and
 * one bad cell would decide an on-time figure. The ticket keeps its policy's target, or has none
 * ("no target", never on time nor late: docs/kpi.md), and the record says why.
 */
export function exportTarget(t: TicketState, start: number, draft: Draft): number | null {
  const due = draft.crmDueAt;
  if (due === null || !Number.isFinite(due)) return null;
  if (due >= start) return due;
  draft.violation(
    t.ticketId,
    'IMPLAUSIBLE_TIME',
    `export due date ${showTime(due)} is before the request time ${showTime(start)}; not taken as the completion target`,
  );
  return null;
}

/**
 * The clock of an imported ticket for which no policy is configured but whose export gives a
 * due date: the city's own target is the one to judge it by, so it runs, on wall time, to that
 * instant. Without a due date (and a policy) a ticket has no target, which is never "on time".
 */
export function exportDueClock(t: TicketState, state: TicketLifecycleState, draft: Draft): SlaClock | null {
  const prev = t.sla?.policy === EXPORT_DUE_POLICY ? t.sla : null;
  const now = draft.ctx.now;
  const at = Math.min(draft.input.occurredAt, now);
  const start = prev?.startedAt ?? t.requestedAt ?? at;
  const due = prev?.completionDueAt ?? (isImported(draft.input) && !t.sla ? exportTarget(t, start, draft) : null);
  if (due === null || !Number.isFinite(due)) return null;
  let clock: SlaClock = prev ?? {
    policy: EXPORT_DUE_POLICY,
    calendar: EXPORT_DUE_POLICY,
    startedAt: start,
    // An export records no first response: no response target (see withoutResponse).
    responseDueAt: null,
    completionDueAt: due,
    completionUnit: 'calendar_hours',
    respondedAt: null,
    resolvedAt: null,
    pauses: [],
    pausedBusinessDays: 0,
    pausedMs: 0,
    responseBreached: false,
    completionBreached: false,
  };
  const when = Math.max(clock.startedAt, at);
  // A reopen leaves it stopped, as every clock (see sla/clock.ts).
  if (state === 'RESOLVED') clock = { ...clock, resolvedAt: clock.resolvedAt ?? when };
  const judgedAt = clock.resolvedAt ?? now;
  // States written before kept the due date as a response target too: dropped here.
  return {
    ...clock,
    responseDueAt: null,
    respondedAt: null,
    completionBreached: judgedAt > due,
    responseBreached: false,
  };
}
