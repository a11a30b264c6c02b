export * from './types.ts';
export type * from './state.ts';
export type * from './outputs.ts';
export { MAX_WORK_ORDERS, RECENT_EVENT_IDS, newWorkOrder } from './state.ts';
export {
  NO_RECENT_EVENTS,
  hasRecentEvent,
  recentEventIdsOf,
  recentEventList,
  type RecentEventIds,
} from './recent-events.ts';
export { decide, decideExpiry, isExpired } from './decide.ts';
export { isAwaitedParent } from './awaited-parent.ts';
export { decideSlaCheck, decideTimers } from './sla-check.ts';
export { breachesFlagged, holdReasonOf, type BreachFlagged } from './sla-track.ts';
export { holdingDepartmentOf } from './notes.ts';
export { MAX_IDENTIFIER_LENGTH, ticketIdFault } from './identifiers.ts';
export { DEFAULT_ORDERING, implausiblePosition, type OrderingBounds } from './ordering.ts';
export {
  BRIDGE_ORIGIN,
  PROCESSOR_SOURCE,
  RECONCILE_ORIGIN,
  childEnvelope,
  positionOf,
  type DecideContext,
} from './context.ts';
export {
  lookupCode,
  unmappedKnownCodes,
  type Policy,
  type RouteTarget,
  type StatusMapping,
  type StatusMappingEntry,
} from './policy.ts';
export {
  TICKET_TRANSITIONS,
  WORK_ORDER_TRANSITIONS,
  canMove,
  deriveTicket,
  isClosed,
  isTerminalWork,
} from './lifecycle.ts';
export {
  DELIVERY_OUTCOMES,
  applyReceipt,
  accountableFor,
  decideSentinel,
  watchOf,
  type AlertReason,
  type AlertRecord,
  type DeliveryReceipt,
  type OpenAlert,
  type SentinelDecision,
  type SentinelPolicy,
  type TicketWatch,
} from './sentinel/index.ts';
export {
  WEEKDAYS,
  judgeSilence,
  silenceLimitMinutes,
  type SilenceSettings,
  type SilenceVerdict,
  type Weekday,
} from './silence.ts';
export { reconcileMoves, reopenNote } from './decide-reconcile.ts';
export {
  DRIFT_KINDS,
  classifyDrift,
  type CrmView,
  type DriftFinding,
  type DriftKind,
  type Observations,
} from './drift.ts';
