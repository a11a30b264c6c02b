import { isAwaitedParent } from './awaited-parent.ts';
import { BRIDGE_ORIGIN, type DecideContext } from './context.ts';
import { decideCrm } from './decide-crm.ts';
import { decideDept } from './decide-dept.ts';
import { decideLink } from './decide-link.ts';
import { decideOperator } from './decide-operator.ts';
import { Draft } from './draft.ts';
import { deriveTicket, isClosed } from './lifecycle.ts';
import { noChange, type Decision } from './outputs.ts';
import { eventDigest, UNKNOWN_DIGEST } from './event-digest.ts';
import { recentEventDigest, withRecentEvent } from './recent-events.ts';
import { applyReceipt, expiryClearings, seenWorkOrders, watched, workOrderSeen } from './sentinel/index.ts';
import { RECENT_EVENT_IDS, type TicketState } from './state.ts';
import { boundedInput } from './text.ts';
import type { InboundEvent } from './types.ts';

/**
 * The lifecycle's one entry point: pure and synchronous. Bad or surprising input never throws;
 * it comes back as violations, for the quarantine topic.
 */
export function decide(state: TicketState | null, raw: InboundEvent, ctx: DecideContext): Decision {
  // Cut once, here: whatever the lifecycle copies from the input is then within its limit.
  const input = boundedInput(raw);
  const envelope = input.event.envelope;
  // A sink's receipt is the bridge's own word, and idempotent by its version: no id to remember.
  if (input.type === 'receipt') {
    const confirmed = applyReceipt(state, input.event);
    return confirmed ? watched({ ...noChange(confirmed), stateChanged: true }, ctx) : noChange(state);
  }
  // The bridge's own writes, seen again through a source connector (links and operator commands
  // are the bridge's own by nature).
  const fromSource = input.type === 'crm' || input.type === 'dept';
  if (fromSource && envelope.origin === BRIDGE_ORIGIN) return noChange(state);
  const digest = eventDigest(input.event);
  const seen = state && recentEventDigest(state.recentEventIds, envelope.eventId);
  if (state && seen) return seen === digest || seen === UNKNOWN_DIGEST ? noChange(state) : reusedId(state, input, ctx);

  const draft = new Draft(envelope, ctx);
  let decision: Decision;
  switch (input.type) {
    case 'crm':
      decision = decideCrm(state, input.event, draft);
      break;
    case 'dept':
      decision = keepAwaited(state, decideDept(unopened(state), input.event, draft));
      break;
    case 'link':
      decision = decideLink(state, input.event, draft);
      break;
    case 'operator':
      decision = keepAwaited(state, decideOperator(unopened(state), input.event, draft));
      break;
  }
  // An unmapped code, or a position not believed, is not remembered as seen: once the mapping is
  // fixed or the watermark reset, replaying the same event from quarantine must apply it.
  const replayable = decision.violations.some((v) => v.kind === 'UNMAPPED_CODE' || v.kind === 'IMPLAUSIBLE_SEQUENCE');
  if (!decision.state || replayable) return decision;
  const ids = withRecentEvent(decision.state.recentEventIds, envelope.eventId, digest, RECENT_EVENT_IDS);
  const decided = decision.state;
  // Any word from the department about a work order it has shows it is not silent; an old event
  // sent again (STALE_EVENT) says nothing new of it, and a feed that re-sends one now and then
  // would otherwise keep a silent work order from ever being reported.
  const stale = decision.violations.some((v) => v.kind === 'STALE_EVENT');
  const heard =
    input.type === 'dept' && !stale && decided.workOrders.some((w) => w.workOrderId === input.event.workOrderId)
      ? input.event.workOrderId
      : null;
  // One copy of the ticket for both, when it has its watch (every event comes through here).
  const next: TicketState =
    heard === null
      ? { ...decided, recentEventIds: ids }
      : decided.watch === null
        ? workOrderSeen({ ...decided, recentEventIds: ids }, heard, ctx.now)
        : { ...decided, recentEventIds: ids, workOrders: seenWorkOrders(decided, heard, ctx.now) };
  return watched({ ...decision, state: next, stateChanged: true }, ctx);
}

/** A record of children awaiting a ticket not opened yet is no ticket to a department or operator. */
const unopened = (state: TicketState | null) => (state && isAwaitedParent(state) ? null : state);

/** ...and is kept when they are told the ticket is not known (see awaited-parent.ts). */
function keepAwaited(state: TicketState | null, d: Decision): Decision {
  return state && isAwaitedParent(state) && d.state === null ? { ...d, state, stateChanged: false } : d;
}

/**
 * An event whose id the ticket took before, with other content: not a repeat but another event
 * under a used id. It is not applied (which of the two is right cannot be told here) and is
 * quarantined, with the ticket as it was; the source must give it an id of its own.
 */
function reusedId(state: TicketState, input: Exclude<InboundEvent, { type: 'receipt' }>, ctx: DecideContext): Decision {
  const draft = new Draft(input.event.envelope, ctx);
  const id = input.event.envelope.eventId;
  const where =
    input.type === 'dept'
      ? {
          department: input.event.department,
          system: input.event.system,
          rawStatus: input.event.rawStatus,
          workOrderId: input.event.workOrderId,
        }
      : {};
  draft.violation(
    state.ticketId,
    'EVENT_ID_REUSED',
    `event id ${id} was taken before with other content; this ${input.type} event was not applied`,
    where,
  );
  return { ...noChange(state), violations: draft.violations };
}

/**
 * Forgets a ticket isExpired says may go: no state (the processor writes its tombstone), and the
 * alerts it holds open cleared in the same transaction (see expiryClearings).
 */
export function decideExpiry(state: TicketState, ctx: DecideContext): Decision {
  return { ...noChange(null), alerts: expiryClearings(state, ctx) };
}

/** Closed, past the retention window, and nothing pending: the state may be tombstoned. */
export function isExpired(state: TicketState, now: number, retentionMs: number): boolean {
  return (
    isClosed(state.state) &&
    state.closedAt !== null &&
    state.reviewPending === null &&
    now - state.closedAt >= retentionMs &&
    !deriveTicket(state).gateBlocked
  );
}
