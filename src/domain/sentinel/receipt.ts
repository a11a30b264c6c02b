import type { TicketState } from '../state.ts';
import type { DeliveryReceipt } from './types.ts';
import { watchOf, withWatch } from './watch.ts';

/**
 * A sink's receipt moves the ticket's confirmed version. Receipts may come late or twice, so
 * only a higher version counts; receipts for commands, or for tickets the bridge no longer
 * holds, change nothing.
 */
export function applyReceipt(t: TicketState | null, r: DeliveryReceipt): TicketState | null {
  if (!t || r.version === null) return null;
  const w = watchOf(t);
  if (r.version <= w.confirmedVersion) return null;
  return withWatch(t, { confirmedVersion: Math.min(r.version, t.version) });
}
