import { Producer } from '@platformatic/kafka';
import { expect, it } from 'vitest';
import type { IncomingRecord } from '../../src/messaging/index.ts';
import { brokerSession, endpoints, testMessaging, uniqueName } from '../support/kafka.ts';

// A foreign producer whose clock is years behind (or that replays old data, timestamps and all)
// writes to a topic that stamps records with the broker's append time, and to one that keeps the
// producer's. Java's consumer and librdkafka read the first as the broker's time; so must closeloop.
const messaging = testMessaging();
const { admin, consumer: newConsumer } = brokerSession(messaging);

/** The first record of `topic` as a consumer in a group of its own reads it. */
async function firstRecord(topic: string): Promise<IncomingRecord> {
  const consumer = newConsumer({ groupId: uniqueName('it.timestamps-group') });
  await consumer.connect();
  await consumer.subscribe([topic], { fromBeginning: true });
  return new Promise<IncomingRecord>((resolve) => {
    void consumer.run({
      eachBatch: async (batch) => {
        const [first] = batch.records;
        if (first) resolve(first);
      },
    });
  });
}

it("reads a record's timestamp as its topic has it: the broker's append time under LogAppendTime", async () => {
  const written = 1_500_000_000_000n;
  const appendTime = uniqueName('it.log-append-time');
  const createTime = uniqueName('it.create-time');
  await admin.ensureTopics([
    { topic: appendTime, partitions: 1, config: { 'message.timestamp.type': 'LogAppendTime' } },
    { topic: createTime, partitions: 1, config: { 'message.timestamp.type': 'CreateTime' } },
  ]);
  const producer = new Producer({ clientId: uniqueName('it.foreign'), bootstrapBrokers: [endpoints().brokers] });
  const before = Date.now();
  try {
    await producer.send({
      messages: [appendTime, createTime].map((topic) => ({
        topic,
        key: Buffer.from('k'),
        value: Buffer.from('v'),
        timestamp: written,
      })),
    });
  } finally {
    await producer.close();
  }
  const after = Date.now();
  // The broker's clock is this host's (the test broker runs here); a second either side for rounding.
  const appended = Number((await firstRecord(appendTime)).timestamp);
  expect(appended).toBeGreaterThanOrEqual(before - 1_000);
  expect(appended).toBeLessThanOrEqual(after + 1_000);
  expect((await firstRecord(createTime)).timestamp).toBe(String(written));
});
