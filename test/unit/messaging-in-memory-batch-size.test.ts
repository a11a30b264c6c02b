import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging, type Messaging, type RecordBatch } from '../../src/messaging/index.ts';
import { until } from '../support/wait.ts';

/** Every batch a new group's consumer is handed for `topic`, once `expected` records have come. */
async function batchesOf(messaging: Messaging, topic: string, expected: number): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  const consumer = messaging.consumer({ groupId: 'g' });
  await consumer.connect();
  await consumer.subscribe([topic], { fromBeginning: true });
  await consumer.run({ eachBatch: async (batch) => void batches.push(batch) });
  try {
    await until(`${expected} records`, () => batches.flatMap((b) => b.records).length >= expected, 2_000);
  } finally {
    await consumer.disconnect();
  }
  return batches;
}

async function written(messaging: Messaging, topic: string, values: readonly Buffer[]): Promise<void> {
  await messaging.admin().ensureTopics([{ topic }]);
  const producer = messaging.producer();
  await producer.connect();
  await producer.send(
    topic,
    values.map((value, i) => ({ key: `k${i}`, value })),
  );
}

// The sizes a fetch of the Kafka adapter gives are held to in the conformance suite
// (messaging-batches.ts); these are the in-memory options tests set.
describe('in-memory batch size options', () => {
  it('caps a batch’s entries at maxBatchEntries, for tests that want small batches', async () => {
    const messaging = createInMemoryMessaging({ maxBatchEntries: 4 });
    await written(
      messaging,
      't',
      Array.from({ length: 10 }, (_, i) => Buffer.from(`v${i}`)),
    );
    const batches = await batchesOf(messaging, 't', 10);
    expect(batches.map((b) => b.records.length)).toEqual([4, 4, 2]);
  });

  it('caps a batch’s bytes at maxBatchBytes, and hands a record larger than that over alone', async () => {
    const messaging = createInMemoryMessaging({ maxBatchBytes: 1_000 });
    const sizes = [300, 300, 300, 2_500, 100];
    await written(
      messaging,
      't',
      sizes.map((n) => Buffer.alloc(n)),
    );
    const batches = await batchesOf(messaging, 't', sizes.length);
    // 64 bytes of framing and the key count too: three of 300 are 1,101 bytes, over the cap.
    expect(batches.map((b) => b.records.map((r) => r.value?.length))).toEqual([[300, 300], [300], [2_500], [100]]);
  });
});
