import type { TicketState } from './state.ts';
import type {
  ClosureReason,
  Envelope,
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
}

/** bridge.ticket-status.v1: what the CRM shows. */
export interface TicketStatusChange {
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
  readonly priority: number;
  readonly workOrders: readonly WorkOrderSummary[];
}

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
}

export function noChange(state: TicketState | null): Decision {
  return { state, stateChanged: false, statuses: [], commands: [], links: [], violations: [] };
}
