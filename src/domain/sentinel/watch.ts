import type { TicketState, WorkOrderRecord } from '../state.ts';
import type { TicketWatch } from './types.ts';

/**
 * A ticket's watch, with what a state restored from a changelog written before the sentinel
 * existed lacks filled in from what it has: its last update stands in for every time, and its
 * current version counts as confirmed, so an upgrade raises no alerts of its own.
 */
export function watchOf(t: TicketState): TicketWatch {
  return (
    t.watch ?? {
      stateSince: t.updatedAt,
      statusSentAt: t.version > 0 ? t.updatedAt : null,
      confirmedVersion: t.version,
      alerts: [],
    }
  );
}

/**
 * The ticket with its watch patched. A ticket from before the sentinel gets its watch now, and
 * its work orders count as seen at its last update, as watchOf and seenAt take them until then.
 */
export function withWatch(t: TicketState, patch: Partial<TicketWatch>): TicketState {
  const workOrders =
    t.watch === null ? t.workOrders.map((w) => (w.seenAt === null ? { ...w, seenAt: t.updatedAt } : w)) : t.workOrders;
  return { ...t, workOrders, watch: { ...watchOf(t), ...patch } };
}

/** The department spoke about this work order (or the bridge just created it). */
export function workOrderSeen(t: TicketState, workOrderId: string, now: number): TicketState {
  const workOrders = seenWorkOrders(t, workOrderId, now);
  // Every event goes through here: a ticket that has its watch keeps it as it is, uncopied.
  return t.watch === null ? withWatch({ ...t, workOrders }, {}) : { ...t, workOrders };
}

/** A ticket's work orders with this one seen now: for a caller that copies the ticket anyway. */
export function seenWorkOrders(t: TicketState, workOrderId: string, now: number): readonly WorkOrderRecord[] {
  return t.workOrders.map((w) => (w.workOrderId === workOrderId ? { ...w, seenAt: now } : w));
}

/**
 * When the department last spoke about a work order (or it was created); undefined if never.
 * In a state from before the sentinel, the ticket's last update stands in (see watchOf).
 */
export function seenAt(t: TicketState, wo: WorkOrderRecord): number | undefined {
  return wo.seenAt ?? (t.watch === null ? t.updatedAt : undefined);
}
