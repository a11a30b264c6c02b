import type { TicketWatch } from './sentinel/types.ts';
import type { RecentEventIds } from './recent-events.ts';
import type { SlaClock } from './sla/types.ts';
import type { Channel, ClosureReason, LinkType, TicketLifecycleState, WorkOrderState } from './types.ts';

export interface WorkOrderRecord {
  /** Bridge-assigned until the department reports its own id. */
  readonly workOrderId: string;
  readonly department: string;
  readonly system: string;
  readonly state: WorkOrderState;
  readonly rawStatus: string | null;
  readonly publicNote: string | null;
  readonly expectedAt: number | null;
  readonly closureReason: ClosureReason | null;
  /** Position of the last applied event: its sequence, or occurredAt where the source has none. */
  readonly lastPosition: number;
  /** Set when the department rejected it as not theirs. */
  readonly misrouted: boolean;
  /** While ON_HOLD: the mapped hold reason of the last code, if the mapping gives one. */
  readonly holdReason: string | null;
  /**
   * When its department last spoke about it, or when the bridge created it, for the sentinel;
   * null while never (an imported one). Kept here rather than in a list of its own in the
   * watch: a list and an object per work order cost more than the rest of the watch. The
   * changelog keeps it in the watch, as before (see the processor's codec).
   */
  readonly seenAt: number | null;
}

export interface ChildLink {
  readonly ticketId: string;
  readonly linkType: LinkType;
}

export interface ParentLink {
  readonly ticketId: string;
  readonly linkType: LinkType;
  readonly accepted: boolean;
  readonly parentState: TicketLifecycleState | null;
  readonly parentNote: string | null;
  readonly parentExpectedAt: number | null;
  readonly parentSettled: boolean;
  /**
   * Another parent the CRM corrected the link to, asked and not yet answered: the link stays
   * with ticketId until it answers (see relink.ts). Absent in states written before it.
   */
  readonly pendingTicketId?: string | null;
}

/** Everything the processor remembers about one ticket; also the changelog record. */
export interface TicketState {
  readonly ticketId: string;
  readonly jurisdiction: string;
  readonly serviceCode: string | null;
  /** How the request reached 311; absent in states written before state schema v3. */
  readonly channel?: Channel | null;
  readonly description: string | null;
  readonly requestedAt: number | null;
  readonly state: TicketLifecycleState;
  /**
   * Of the last status sent to the CRM; 0 before the first. Negative while the ticket has only
   * imported history (see IMPORTED_VERSION_BASE in publish.ts).
   */
  readonly version: number;
  readonly priority: number;
  readonly workOrders: readonly WorkOrderRecord[];
  readonly departmentsTried: readonly string[];
  readonly closureReason: ClosureReason | null;
  readonly closureNote: string | null;
  readonly parent: ParentLink | null;
  readonly children: readonly ChildLink[];
  /** A follow-up arrived after resolution; the department was asked to review. */
  readonly reviewPending: string | null;
  readonly notes: readonly string[];
  /** Recent event ids, newest last, for duplicate suppression (a list in the changelog). */
  readonly recentEventIds: RecentEventIds;
  /** Position of the last applied CRM event. */
  readonly crmPosition: number;
  /** The public status last sent, to avoid sending the same one twice. */
  readonly lastStatusKey: string | null;
  readonly closedAt: number | null;
  readonly updatedAt: number;
  /** The SLA clocks; null when no policy applies (or none is configured). */
  readonly sla: SlaClock | null;
  /** What the stuck-ticket sentinel watches; null in states written before it existed. */
  readonly watch: TicketWatch | null;
}

export const RECENT_EVENT_IDS = 256;

/**
 * The most work orders one ticket holds. A department may open work orders of its own on a
 * ticket (a split job, a second crew), and each is kept in the ticket's one changelog record: a
 * feed that opened them without end would in time make that record outgrow the broker's limit.
 * Real tickets have a handful; one past this is quarantined TOO_MANY_WORK_ORDERS.
 */
export const MAX_WORK_ORDERS = 50;

/**
 * A work order the bridge has not heard about from its department yet; `seenAt` when the bridge
 * creates it itself (routing), which counts as seen.
 */
export function newWorkOrder(
  workOrderId: string,
  department: string,
  system: string,
  seenAt: number | null = null,
): WorkOrderRecord {
  return {
    workOrderId,
    department,
    system,
    state: 'REQUESTED',
    rawStatus: null,
    publicNote: null,
    expectedAt: null,
    closureReason: null,
    lastPosition: Number.NEGATIVE_INFINITY,
    misrouted: false,
    holdReason: null,
    seenAt,
  };
}
