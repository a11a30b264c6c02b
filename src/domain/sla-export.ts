import type { Draft } from './draft.ts';
import { isImported } from './import.ts';
import type { SlaClock } from './sla/index.ts';
import type { TicketState } from './state.ts';
import type { TicketLifecycleState } from './types.ts';

/** The policy name of a clock that keeps to an export's own due date, which no policy covers. */
export const EXPORT_DUE_POLICY = 'export-due-date';

/**
 * The clock of an imported ticket for which no policy is configured but whose export gives a
 * due date: the city's own target is the one to judge it by, so it runs, on wall time, to that
 * instant. Without a due date (and a policy) a ticket has no target, which is never "on time".
 */
export function exportDueClock(t: TicketState, state: TicketLifecycleState, draft: Draft): SlaClock | null {
  const prev = t.sla?.policy === EXPORT_DUE_POLICY ? t.sla : null;
  const due = prev?.completionDueAt ?? (isImported(draft.input) && !t.sla ? draft.crmDueAt : null);
  if (due === null || !Number.isFinite(due)) return null;
  const now = draft.ctx.now;
  const at = Math.min(draft.input.occurredAt, now);
  let clock: SlaClock = prev ?? {
    policy: EXPORT_DUE_POLICY,
    calendar: EXPORT_DUE_POLICY,
    startedAt: Math.min(t.requestedAt ?? at, due),
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
