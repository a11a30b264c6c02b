import { randomUUID } from 'node:crypto';
import type { TicketState } from '../domain/index.ts';
import type { AvroSerde, Messaging, MessagingAdmin } from '../messaging/index.ts';
import { stateFromRecord } from './codec.ts';

export interface RestoreResult {
  readonly stores: Map<number, Map<string, TicketState>>;
  readonly records: number;
  readonly ms: number;
}

/**
 * Rebuilds the state of the given partitions from the compacted changelog, reading each up to
 * the end offset it had when the restore began. kafkajs cannot assign partitions by hand, so a
 * throw-away consumer group reads the topic and pauses the partitions it does not need.
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
  const offsets = await admin.topicOffsets(stateTopic);
  const target = new Map<number, bigint>();
  for (const o of offsets) {
    if (stores.has(o.partition) && BigInt(o.high) > BigInt(o.low)) target.set(o.partition, BigInt(o.high) - 1n);
  }
  if (target.size === 0) return { stores, records: 0, ms: Date.now() - started };

  let records = 0;
  const consumer = messaging.consumer({ groupId: `closeloop-restore-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe([stateTopic], { fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async (batch) => {
            const store = stores.get(batch.partition);
            const last = target.get(batch.partition);
            if (!store || last === undefined) {
              consumer.pause([{ topic: stateTopic, partitions: [batch.partition] }]);
              return;
            }
            for (const r of batch.records) {
              if (BigInt(r.offset) > last) break;
              const key = r.key?.toString('utf8');
              if (key === undefined) continue;
              records += 1;
              if (r.value === null) store.delete(key);
              else store.set(key, stateFromRecord((await serde.decode<Record<string, unknown>>(r.value)).value));
            }
          },
          // The changelog is written in transactions, so its last offset is often a commit
          // marker that no batch hands over; progress events still report reaching it.
          onBatchDone: (progress) => {
            const last = target.get(progress.partition);
            if (last === undefined || BigInt(progress.lastOffset) < last) return;
            target.delete(progress.partition);
            consumer.pause([{ topic: stateTopic, partitions: [progress.partition] }]);
            if (target.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { stores, records, ms: Date.now() - started };
}
