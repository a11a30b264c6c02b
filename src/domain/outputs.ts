import type { AlertRecord } from './sentinel/types.ts';
import type { TicketState } from './state.ts';
import type {
  Channel,
  ClosureReason,
  Envelope,
  LinkType,
  TicketLifecycleState,
  TicketLinkMessage,
  ViolationKind,
  WorkOrderState,
} from './types.ts';

export interface WorkOrderSummary {
  readonly workOrderId: string;
  readonly department: string;
  readonly system: string;
  readonly state: WorkOrderState;
  readonly rawStatus: string | null;
  /** The department rejected it as not theirs. */
  readonly misrouted: boolean;
}

/**
 * The ticket's SLA clocks as every status carries them (status schema v2). All null/false when
 * no SLA policy applies to the ticket.
 */
export interface StatusSla {
  /** When the request was made: the start of both clocks. */
  readonly requestedAt: number | null;
  /** Name of the policy (the service code, or "default"). */
  readonly slaPolicy: string | null;
  /** IANA zone of the policy's business calendar, in which KPI months are judged. */
  readonly slaTimeZone: string | null;
  readonly responseDueAt: number | null;
  /** Moves out when a pause ends; final once resolved. */
  readonly completionDueAt: number | null;
  readonly respondedAt: number | null;
  /** When the completion clock stopped (RESOLVED); null while it runs. A reopen keeps it: the clock stays stopped (sla/clock.ts). */
  readonly resolvedAt: number | null;
  readonly responseBreached: boolean;
  readonly completionBreached: boolean;
  /** The completion clock is paused (ON_HOLD for a pausing reason). */
  readonly slaPaused: boolean;
  /** Start of the open pause, when paused. */
  readonly slaPausedAt: number | null;
  /** Why the work is on hold (upper-snake, from the status mapping), when ON_HOLD. */
  readonly holdReason: string | null;
  /** Completion clock time in business days, pauses excluded; set when resolved. */
  readonly businessDaysToResolve: number | null;
  /** Wall time from request to resolution in days, pauses included; set when resolved. */
  readonly calendarDaysToResolve: number | null;
}

/** bridge.ticket-status.v1: what the CRM shows. */
export interface TicketStatusChange extends StatusSla {
  readonly envelope: Envelope;
  readonly ticketId: string;
  /** Per ticket, +1 on every change sent, so the CRM applies them idempotently and in order. */
  readonly version: number;
  readonly crmStatus: 'OPEN' | 'CLOSED';
  readonly lifecycleState: TicketLifecycleState;
  readonly publicStatusCode: string;
  readonly statusNote: string;
  readonly expectedAt: number | null;
  readonly closureReason: ClosureReason | null;
  readonly closureNote: string | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly agencyResponsible: string | null;
  readonly serviceCode: string | null;
  /** How the request reached 311 (status schema v3); null when the CRM did not say. */
  readonly channel: Channel | null;
  readonly priority: number;
  readonly workOrders: readonly WorkOrderSummary[];
}

/**
 * A status record decoded with the schema it was written with: records written with status
 * schema v1 have none of the SLA fields and no `misrouted` flag on their work orders.
 */
export type StatusRead = Omit<TicketStatusChange, keyof StatusSla | 'workOrders' | 'channel'> &
  Partial<StatusSla> & {
    readonly channel?: Channel | null;
    readonly workOrders: readonly (Omit<WorkOrderSummary, 'misrouted'> & { readonly misrouted?: boolean })[];
  };

export type CommandKind = 'CREATE' | 'CANCEL' | 'UPDATE_PRIORITY' | 'ADD_NOTE' | 'REVIEW';

/** bridge.work-order-commands.v1: what a department system is asked to do. */
export interface WorkOrderCommand {
  readonly envelope: Envelope;
  readonly commandId: string;
  readonly ticketId: string;
  readonly kind: CommandKind;
  readonly department: string;
  readonly system: string;
  /** Bridge-assigned; the department stores it with the ticket id as its external reference. */
  readonly workOrderId: string;
  readonly serviceCode: string | null;
  readonly description: string | null;
  readonly priority: number;
  readonly reason: string | null;
  readonly note: string | null;
}

/** bridge.quarantine.v1: an unmapped code or a policy violation, kept for people to look at. */
export interface Violation {
  readonly envelope: Envelope;
  readonly ticketId: string;
  readonly kind: ViolationKind;
  readonly department: string | null;
  readonly system: string | null;
  readonly rawStatus: string | null;
  readonly workOrderId: string | null;
  readonly sourceEventId: string;
  readonly detail: string;
  /** For link problems (MISSING_PARENT, UNKNOWN_PARENT, …): which kind of link failed. */
  readonly linkType: LinkType | null;
}

export interface Decision {
  /** The ticket's state afterwards; null when the bridge does not (or no longer) know it. */
  readonly state: TicketState | null;
  /** False when the event changed nothing that must be written to the changelog. */
  readonly stateChanged: boolean;
  readonly statuses: readonly TicketStatusChange[];
  readonly commands: readonly WorkOrderCommand[];
  readonly links: readonly TicketLinkMessage[];
  readonly violations: readonly Violation[];
  /** Stuck-ticket alerts raised or cleared (bridge.alerts.v1). */
  readonly alerts: readonly AlertRecord[];
}

export function noChange(state: TicketState | null): Decision {
  return { state, stateChanged: false, statuses: [], commands: [], links: [], violations: [], alerts: [] };
}
