/**
 * Invariants of one decision, against the state it was taken on: the facts of the step, then each
 * topic's checks, in a fixed order (the first that fails names the case).
 */
import {
  hasRecentEvent,
  type Decision,
  type InboundEvent,
  type Policy,
  type TicketState,
} from '../../../../src/domain/index.ts';
import { summary } from '../check.ts';
import { ORIGINS } from '../vocabulary.ts';
import { checkStatuses } from './statuses.ts';
import { checkDuplicateNamesParent, checkEcho, checkKeyed, checkRepeat } from './records.ts';
import {
  checkCommands,
  checkDepartmentEvent,
  checkPrematureClose,
  checkReviewReopens,
  checkTerminalWorkSticky,
} from './work-orders.ts';

/** One decision and what it was taken on, with the facts several checks read. */
export interface Step {
  readonly prev: TicketState | null;
  readonly input: Exclude<InboundEvent, { type: 'receipt' }>;
  readonly d: Decision;
  readonly key: string;
  readonly eventId: string;
  /** The input and the state before, as a failure prints them. */
  readonly ctxOf: object;
  /** The shipped mappings: read here, not through the domain's lookupCode. */
  readonly mappings: Policy['mappings'];
  /** §3 rule 6: the echo of the bridge's own write. */
  readonly echo: boolean;
  /** The event id is one the ticket remembers. */
  readonly seen: boolean;
  readonly live: boolean;
  /** Neither stale nor implausible. */
  readonly applied: boolean;
}

/**
 * Checks one decision; `sent` is the ticket's statuses before it, `mappings` the shipped ones.
 */
export function checkStep(
  prev: TicketState | null,
  input: InboundEvent,
  d: Decision,
  sent: Parameters<typeof checkStatuses>[0],
  mappings: Policy['mappings'],
): void {
  if (input.type === 'receipt') return;
  const step = stepOf(prev, input, d, mappings);
  checkKeyed(step);
  checkEcho(step);
  checkRepeat(step);
  const crmAhead = input.type === 'crm' && input.event.envelope.origin === 'reconcile';
  checkStatuses(sent, d, crmAhead ? (input.event.crmStatusVersion ?? null) : null, step.ctxOf);
  checkCommands(step);
  checkTerminalWorkSticky(step);
  checkDepartmentEvent(step);
  checkPrematureClose(step);
  checkReviewReopens(step);
  checkDuplicateNamesParent(step);
}

function stepOf(prev: TicketState | null, input: Step['input'], d: Decision, mappings: Policy['mappings']): Step {
  const eventId = input.event.envelope.eventId;
  return {
    prev,
    input,
    d,
    key: input.event.ticketId,
    eventId,
    ctxOf: { input, prev: prev && summary(prev) },
    mappings,
    echo: (input.type === 'crm' || input.type === 'dept') && input.event.envelope.origin === 'closeloop',
    seen: prev !== null && hasRecentEvent(prev.recentEventIds, eventId),
    live: input.event.envelope.origin === ORIGINS.live,
    applied: !d.violations.some((v) => ['STALE_EVENT', 'IMPLAUSIBLE_SEQUENCE'].includes(v.kind)),
  };
}
