import { BRIDGE_ORIGIN, PROCESSOR_SOURCE, type DecideContext } from './context.ts';
import { Draft } from './draft.ts';
import { noChange, type Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { checkBreaches } from './sla/index.ts';
import { clockFrozen, clockRetired, clockWatched } from './sla-track.ts';
import { watched } from './sentinel/index.ts';
import type { TicketState } from './state.ts';

/**
 * The timer's side of "breaches are flagged as they happen": a ticket nobody touches still
 * turns late at its due instant. Returns a decision with the new status when a target was
 * missed since the last look, else no change. Pure, like decide().
 *
 * The status's id derives from the ticket and the breach, not from the time of the check: a
 * flag is set once per ticket and target, so a check repeated after a crash yields the same
 * record, which the CRM de-duplicates.
 */
export function decideSlaCheck(state: TicketState, ctx: DecideContext): Decision {
  if (!state.sla || !clockWatched(state.state) || clockFrozen(state)) return noChange(state);
  // A clock whose policy was removed keeps its due dates, but no rule is left to time it by.
  if (clockRetired(state, ctx.policy)) return noChange(state);
  const { newlyBreached } = checkBreaches(state.sla, ctx.now);
  if (newlyBreached.length === 0) return noChange(state);
  const draft = new Draft(
    {
      eventId: `${state.ticketId}/sla-breach/${newlyBreached.join('+')}`,
      jurisdiction: state.jurisdiction,
      source: PROCESSOR_SOURCE,
      sequence: null,
      occurredAt: ctx.now,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    ctx,
  );
  // The state stays exactly what it is (a REOPENED ticket is not re-derived by a timer).
  const next = publish(state, state, draft, { force: state.state });
  // publish() may judge otherwise (the policy was removed meanwhile): then only what changed.
  if (draft.statuses.length === 0 && next.sla === state.sla) return noChange(state);
  return draft.done(next, true);
}

/**
 * Everything the processor's timer sweep asks of one ticket: SLA targets that fell due, then the
 * stuck-ticket sentinel on the result. One sweep, one clock, for both.
 */
export function decideTimers(state: TicketState, ctx: DecideContext): Decision {
  const sla = decideSlaCheck(state, ctx);
  return watched({ ...sla, state: sla.state ?? state }, ctx);
}
