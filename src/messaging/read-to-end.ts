import { randomUUID } from 'node:crypto';
import { CloseloopError } from '../errors/index.ts';
import type { IncomingRecord, Messaging, MessagingAdmin } from './types.ts';

/**
 * Reads the given partitions of a topic from the beginning up to the end offset each had when
 * the call began, committed data only, handing every record to onRecord in order. For compacted
 * topics that hold state (changelogs, connector cursors).
 *
 * The port has no manual partition assignment, so a throw-away consumer group reads the topic and
 * pauses the partitions it does not need; the consumer's position says when a partition is done. Returns the number of records read. If onRecord
 * throws, reading stops and the call rejects with that error at once.
 */
export async function readToEnd(
  messaging: Messaging,
  admin: MessagingAdmin,
  topic: string,
  partitions: readonly number[] | 'all',
  onRecord: (record: IncomingRecord) => Promise<void> | void,
  timeoutMs = 300_000,
): Promise<number> {
  const offsets = await admin.topicOffsets(topic);
  const wanted = partitions === 'all' ? null : new Set(partitions);
  const target = new Map<number, bigint>();
  for (const o of offsets) {
    if ((wanted === null || wanted.has(o.partition)) && BigInt(o.high) > BigInt(o.low)) {
      target.set(o.partition, BigInt(o.high) - 1n);
    }
  }
  if (target.size === 0) return 0;

  let records = 0;
  const consumer = messaging.consumer({ groupId: `closeloop-read-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe([topic], { fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // The consumer retries its own fetch and rebalance failures; give up at some point.
      const timer = setTimeout(
        () => reject(new CloseloopError('CL_KAFKA_TRANSIENT', `reading ${topic} to its end took over ${timeoutMs} ms`)),
        timeoutMs,
      );
      let failed = false;
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      // Thrown out of eachBatch, the error would make the consumer fetch the same batch again and
      // fail again until the time-out. The same record fails the same way each time, so stop
      // reading and hand the caller the error itself.
      const fail = (err: unknown) => {
        failed = true;
        clearTimeout(timer);
        consumer.pause([{ topic, partitions: offsets.map((o) => o.partition) }]);
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      consumer
        .run({
          eachBatch: async (batch) => {
            const last = target.get(batch.partition);
            if (failed || last === undefined) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              return;
            }
            for (const r of batch.records) {
              if (BigInt(r.offset) > last) break;
              records += 1;
              try {
                await onRecord(r);
              } catch (err) {
                fail(err);
                return;
              }
            }
          },
          // Transactional topics often end in a commit marker that no batch hands over; the
          // position still moves past it.
          onPosition: (position) => {
            const last = target.get(position.partition);
            if (failed || last === undefined || BigInt(position.next) <= last) return;
            target.delete(position.partition);
            consumer.pause([{ topic, partitions: [position.partition] }]);
            if (target.size === 0) done();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
