import type { TicketState } from '../state.ts';
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
      workOrderSeenAt: Object.fromEntries(t.workOrders.map((w) => [w.workOrderId, t.updatedAt])),
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
  return withWatch(t, { workOrderSeenAt: { ...w.workOrderSeenAt, [workOrderId]: now } });
}
