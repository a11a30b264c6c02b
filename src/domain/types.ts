import type { DeliveryReceipt } from './sentinel/types.ts';
/**
 * The canonical vocabulary of the bridge. Field names and nullability follow the Avro schemas
 * under schemas/ one to one (absent is `null`, never `undefined`), so records map to these types
 * without translation.
 */

export const WORK_ORDER_STATES = [
  'REQUESTED',
  'ACCEPTED',
  'ASSIGNED',
  'SCHEDULED',
  'IN_PROGRESS',
  'ON_HOLD',
  'COMPLETED',
  'CANCELLED',
  'REJECTED',
] as const;
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

export const TICKET_STATES = [
  'NEW',
  'ROUTED',
  'ACCEPTED',
  'ASSIGNED',
  'SCHEDULED',
  'IN_PROGRESS',
  'ON_HOLD',
  'RESOLVED',
  'DUPLICATE',
  'CANCELLED',
  'REOPENED',
] as const;
export type TicketLifecycleState = (typeof TICKET_STATES)[number];

export const CLOSURE_REASONS = [
  'WORK_COMPLETED',
  'NO_ACTION_REQUIRED',
  'DUPLICATE',
  'FOLLOW_UP',
  'CANCELLED_BY_REQUESTOR',
  'REFERRED_EXTERNAL',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

export const VIOLATION_KINDS = [
  'UNMAPPED_CODE',
  'PREMATURE_CLOSE',
  'STALE_EVENT',
  'TERMINAL_REGRESSION',
  'MISSING_PARENT',
  'UNKNOWN_PARENT',
  'PARENT_IS_DUPLICATE',
  'UNKNOWN_ORIGINAL',
  'UNKNOWN_TICKET',
  'UNDOCUMENTED_CLOSURE',
  'MISROUTE',
  'UNROUTABLE',
  'IMPLAUSIBLE_TIME',
  /** A route's system and department have no connector: the command could never be delivered. */
  'NO_CONNECTOR',
  /** An event's position jumps implausibly far ahead; applying it would freeze the work order. */
  'IMPLAUSIBLE_SEQUENCE',
  /** An operator reset an ordering watermark (recorded as the audit of the reset). */
  'ORDER_RESET',
  /** An operator command named a work order the ticket does not have. */
  'UNKNOWN_WORK_ORDER',
  /** An agent closed the ticket in the CRM while its work was open; reconciliation reopened it. */
  'CLOSED_BY_HAND',
  /** A department opened yet another work order on a ticket that holds MAX_WORK_ORDERS. */
  'TOO_MANY_WORK_ORDERS',
  /** An event came with the id of one the ticket took before, but other content (event-digest.ts). */
  'EVENT_ID_REUSED',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export const LINK_TYPES = ['DUPLICATE', 'FOLLOW_UP'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

/** Shared by every record: who said it, when, and in which city. */
export interface Envelope {
  readonly eventId: string;
  readonly jurisdiction: string;
  /** The emitting component, e.g. "crm-rest" or "posse:public-works". */
  readonly source: string;
  /** Per-source monotonically increasing position, where the source has one. */
  readonly sequence: number | null;
  /** Epoch milliseconds at which the fact happened at the source. */
  readonly occurredAt: number;
  /** The system whose write this is; records of origin "closeloop" are the bridge's own echo. */
  readonly origin: string;
  readonly correlationId: string | null;
}

/** RESOLVED comes from history imports only: a closure the CRM made before the bridge ran. */
export const CRM_EVENT_KINDS = ['OPENED', 'UPDATED', 'DUPLICATE_DECLARED', 'CANCELLED', 'RESOLVED'] as const;
export type CrmEventKind = (typeof CRM_EVENT_KINDS)[number];

/** How a request reached 311 (Winnipeg publishes volumes by channel). */
export const CHANNELS = [
  'PHONE',
  'WEB',
  'MOBILE_APP',
  'EMAIL',
  'WALK_IN',
  'SOCIAL',
  'EMPLOYEE',
  'SYSTEM',
  'OTHER',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** SERVICE asks for work; INFORMATION is answered at first contact and creates no department work. */
export type RequestKind = 'SERVICE' | 'INFORMATION';

/** Where the issue is, as it may be published: never the requester's own address or contact data. */
export interface PublicLocation {
  readonly address: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly district: string | null;
}

export interface CrmTicketEvent {
  readonly envelope: Envelope;
  readonly ticketId: string;
  readonly kind: CrmEventKind;
  readonly serviceCode: string | null;
  readonly serviceName: string | null;
  readonly description: string | null;
  readonly requestedAt: number | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly closureReason: ClosureReason | null;
  readonly note: string | null;
  /** Absent in records written with schema v1; null when the CRM does not say. */
  readonly channel?: Channel | null;
  readonly requestKind?: RequestKind | null;
  readonly location?: PublicLocation | null;
  /** The CRM's own due date, when it sets one. */
  readonly crmDueAt?: number | null;
  /** The department the CRM's record names (history imports); absent before schema v3. */
  readonly department?: string | null;
  /**
   * Reconciliation's request (origin reconcile) to send the ticket's status again above this
   * version, the one the CRM holds (CRM_AHEAD); absent before schema v4, null otherwise.
   */
  readonly crmStatusVersion?: number | null;
}

export interface WorkOrderEvent {
  readonly envelope: Envelope;
  readonly ticketId: string;
  readonly workOrderId: string;
  readonly system: string;
  readonly department: string;
  readonly rawStatus: string;
  readonly rawStatusLabel: string | null;
  /** The department system itself considers the record closed. */
  readonly systemClosed: boolean;
  readonly note: string | null;
  readonly expectedAt: number | null;
}

export const LINK_MESSAGE_KINDS = ['LINK_REQUEST', 'LINK_REJECTED', 'PARENT_STATUS'] as const;
export type LinkMessageKind = (typeof LINK_MESSAGE_KINDS)[number];

/** Bridge-internal messages between tickets, which may live on different partitions. */
export interface TicketLinkMessage {
  readonly envelope: Envelope;
  /** The ticket this message is for (the record key). */
  readonly ticketId: string;
  readonly fromTicketId: string;
  readonly kind: LinkMessageKind;
  readonly linkType: LinkType;
  readonly parentState: TicketLifecycleState | null;
  readonly parentNote: string | null;
  readonly parentExpectedAt: number | null;
  /** Parent is closed and no follow-up review is pending. */
  readonly parentSettled: boolean;
  readonly reason: string | null;
}

export const OPERATOR_COMMAND_KINDS = ['RESET_ORDER'] as const;
export type OperatorCommandKind = (typeof OPERATOR_COMMAND_KINDS)[number];

/** bridge.operator-commands.v1: an operator's audited instruction about one ticket. */
export interface OperatorCommand {
  readonly envelope: Envelope;
  readonly ticketId: string;
  /** RESET_ORDER: forget an ordering watermark, so the next real event applies. */
  readonly kind: OperatorCommandKind;
  /** The work order whose watermark is reset; null for the ticket's CRM events. */
  readonly workOrderId: string | null;
  readonly by: string;
  readonly reason: string;
}

export type InboundEvent =
  | { readonly type: 'crm'; readonly event: CrmTicketEvent }
  | { readonly type: 'dept'; readonly event: WorkOrderEvent }
  | { readonly type: 'link'; readonly event: TicketLinkMessage }
  | { readonly type: 'receipt'; readonly event: DeliveryReceipt }
  | { readonly type: 'operator'; readonly event: OperatorCommand };
