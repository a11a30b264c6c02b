import type { TicketState } from '../domain/index.ts';
import { readToEnd, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';
import { stateFromRecord } from './codec.ts';
import { compactState } from './compact-state.ts';

export interface RestoreResult {
  readonly stores: Map<number, Map<string, TicketState>>;
  readonly records: number;
  readonly ms: number;
}

/**
 * Rebuilds the state of the given partitions from the compacted changelog, up to its end, held
 * compactly (compact-state.ts).
 */
export async function restorePartitions(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  stateTopic: string,
  partitions: readonly number[],
): Promise<RestoreResult> {
  const started = Date.now();
  const stores = new Map<number, Map<string, TicketState>>(partitions.map((p) => [p, new Map()]));
  const records = await readToEnd(messaging, admin, stateTopic, partitions, async (r) => {
    const key = r.key?.toString('utf8');
    const store = stores.get(r.partition);
    if (key === undefined || !store) return;
    if (r.value === null) {
      store.delete(key);
      return;
    }
    const state = compactState(stateFromRecord((await serde.decode<Record<string, unknown>>(r.value)).value));
    // Keyed by the state's own id string when they match: one copy, not two.
    store.set(state.ticketId === key ? state.ticketId : key, state);
  });
  return { stores, records, ms: Date.now() - started };
}
