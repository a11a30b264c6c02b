import type { Envelope, TicketLifecycleState } from '../types.ts';

/**
 * Why a ticket (or a connector) is stuck. `STUCK_<STATE>`: it stayed in that state longer than
 * the configured limit (ROUTED with no department acknowledgement, NEW back with 311, …);
 * STATUS_UNCONFIRMED: the CRM sink has not confirmed the last status; WORK_ORDER_SILENT: an open
 * work order has had no department event for longer than its limit; CONNECTOR_SILENT: a source
 * returned no records for longer than its cadence allows; DELIVERY_EXHAUSTED: a sink dead-lettered
 * a record that kept failing while its system was healthy (raised by the sink runner, cleared
 * when that record is delivered, after a replay); RECORDS_SKIPPED: a consumer passed over
 * records the broker no longer had (raised by the worker or the processor run alone, cleared only when an operator
 * acknowledges it: nothing that happens later brings those records back).
 */
export type AlertReason =
  | `STUCK_${TicketLifecycleState}`
  | 'STATUS_UNCONFIRMED'
  | 'WORK_ORDER_SILENT'
  | 'EXPECTED_DATE_PASSED'
  | 'CONNECTOR_SILENT'
  | 'DELIVERY_EXHAUSTED'
  | 'RECORDS_SKIPPED'
  /** Raised by reconciliation, not the sentinel: drift it cannot heal (see src/reconcile/drift-alerts.ts). */
  | 'DRIFT_UNHEALED';

/** An alert the processor holds open in a ticket's state until the ticket moves. */
export interface OpenAlert {
  readonly reason: AlertReason;
  /** What within the ticket it is about: a work order id, or '' for the ticket as a whole. */
  readonly subject: string;
  readonly department: string | null;
  /** Since when the condition holds (not when it was noticed). */
  readonly since: number;
  readonly raisedAt: number;
  readonly detail: string;
}

/** What the sentinel needs to know about a ticket, kept in its state. */
export interface TicketWatch {
  /** When the ticket entered its current lifecycle state (processing time). */
  readonly stateSince: number;
  /** When the last status (version) was sent to the CRM. */
  readonly statusSentAt: number | null;
  /** The highest version the CRM sink reported as delivered (or dead-lettered). */
  readonly confirmedVersion: number;
  readonly alerts: readonly OpenAlert[];
}

/** bridge.alerts.v1, keyed by alertId, compacted: the latest word on each alert. */
export interface AlertRecord {
  readonly envelope: Envelope;
  /** `<ticket or connector>|<reason>|<subject>`: one key per condition, so compaction keeps the latest. */
  readonly alertId: string;
  readonly reason: AlertReason;
  readonly status: 'RAISED' | 'CLEARED';
  readonly ticketId: string | null;
  readonly connector: string | null;
  readonly department: string | null;
  /** Who answers for it: the department's service owner from the roles file, or 311. */
  readonly accountable: string | null;
  readonly since: number;
  readonly detail: string;
}

/** How long each expected movement may take; a limit left out is not watched. */
export interface SentinelPolicy {
  /** Minutes a ticket may stay in a lifecycle state before it counts as stuck. */
  readonly stateLimitsMinutes: Partial<Record<TicketLifecycleState, number>>;
  /** Minutes the CRM sink may take to confirm a status; null: not watched. */
  readonly statusUnconfirmedMinutes: number | null;
  /** Minutes an open work order may go without a department event; null: not watched. */
  readonly workOrderSilenceMinutes: number | null;
  /**
   * Minutes an open work order's expected date (the one the CRM shows) may lie in the past with
   * no new date; null or absent: not watched.
   */
  readonly expectedOverdueMinutes?: number | null;
}

export const DELIVERY_OUTCOMES = ['DELIVERED', 'DEAD_LETTERED'] as const;

/** bridge.deliveries.v1: a sink's word that it delivered (or dead-lettered) a record. */
export interface DeliveryReceipt {
  readonly envelope: Envelope;
  readonly ticketId: string;
  readonly connector: string;
  /** The topic the delivered record came from. */
  readonly topic: string;
  /** The status version delivered, for statuses. */
  readonly version: number | null;
  /** The command delivered, for work-order commands. */
  readonly commandId: string | null;
  readonly outcome: (typeof DELIVERY_OUTCOMES)[number];
}
