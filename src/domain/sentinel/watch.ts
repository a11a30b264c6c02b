import type { TicketState } from '../state.ts';
import type { TicketWatch, WorkOrderSeen } from './types.ts';

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
      workOrderSeenAt: t.workOrders.reduce(
        (seen: readonly WorkOrderSeen[], w) => seenWith(seen, w.workOrderId, t.updatedAt),
        [],
      ),
      alerts: [],
    }
  );
}

export function withWatch(t: TicketState, patch: Partial<TicketWatch>): TicketState {
  return { ...t, watch: { ...watchOf(t), ...patch } };
}

/** The department spoke about this work order (or the bridge just created it). */
export function workOrderSeen(t: TicketState, workOrderId: string, now: number): TicketState {
  const w = watchOf(t);
  return withWatch(t, { workOrderSeenAt: seenWith(w.workOrderSeenAt, workOrderId, now) });
}

/** When the department last spoke about a work order (or it was created); undefined if never. */
export function seenAt(w: TicketWatch, workOrderId: string): number | undefined {
  return w.workOrderSeenAt.find((s) => s.workOrderId === workOrderId)?.at;
}

/** The list with the work order's time set: in its place when it has one, else last (as keys of an object). */
function seenWith(seen: readonly WorkOrderSeen[], workOrderId: string, at: number): readonly WorkOrderSeen[] {
  const i = seen.findIndex((s) => s.workOrderId === workOrderId);
  if (i < 0) return [...seen, { workOrderId, at }];
  return seen.map((s, j) => (j === i ? { workOrderId, at } : s));
}
