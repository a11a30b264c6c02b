import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingAdmin } from '../../src/messaging/index.ts';
import { consumeUntil, testMessaging, uniqueName } from '../support/kafka.ts';

const messaging = testMessaging();
let admin: MessagingAdmin;

beforeAll(async () => {
  admin = messaging.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

describe('transactions on the real broker', () => {
  it('commits a transaction far larger than the broker accepts in one request, in order', async () => {
    // A backlog batch of one partition: 3,000 records of 1 KB is three times message.max.bytes.
    const topic = uniqueName('it.tx-large');
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    const producer = messaging.transactionalProducer(uniqueName('tx-large'));
    await producer.connect();
    const keys = Array.from({ length: 3_000 }, (_, i) => `k${i}`);
    try {
      const tx = await producer.begin();
      await tx.send(
        topic,
        keys.map((key) => ({ key, value: Buffer.alloc(1_000, 7) })),
      );
      await tx.commit();
    } finally {
      await producer.disconnect();
    }
    const got = await consumeUntil(messaging, topic, keys.length);
    expect(got.map((r) => r.key?.toString())).toEqual(keys);
  });

  it('shows committed records to read_committed consumers and hides aborted ones', async () => {
    const topic = uniqueName('it.tx');
    await admin.ensureTopics([{ topic }]);
    const producer = messaging.transactionalProducer(uniqueName('tx'));
    await producer.connect();
    try {
      for (const [key, outcome] of [
        ['A', 'commit'],
        ['B', 'abort'],
        ['C', 'commit'],
      ] as const) {
        const tx = await producer.begin();
        await tx.send(topic, [{ key, value: Buffer.from(key) }]);
        await (outcome === 'commit' ? tx.commit() : tx.abort());
      }
    } finally {
      await producer.disconnect();
    }
    // On one partition B sits between A and C, so a reader that saw uncommitted data would
    // have B among its first two records.
    const got = await consumeUntil(messaging, topic, 2);
    expect(got.map((r) => r.key?.toString())).toEqual(['A', 'C']);
  });

  it('hides every aborted transaction of one producer, also when several come in one fetch', async () => {
    const topic = uniqueName('it.tx-many');
    await admin.ensureTopics([{ topic }]);
    const producer = messaging.transactionalProducer(uniqueName('tx'));
    await producer.connect();
    const outcomes = ['abort', 'commit', 'abort', 'commit', 'abort'] as const;
    try {
      for (const [i, outcome] of outcomes.entries()) {
        const tx = await producer.begin();
        await tx.send(topic, [{ key: `${outcome}-${i}`, value: Buffer.from('x') }]);
        await (outcome === 'commit' ? tx.commit() : tx.abort());
      }
      // A last committed record, so a reader knows it has seen the whole partition.
      const tx = await producer.begin();
      await tx.send(topic, [{ key: 'end', value: Buffer.from('x') }]);
      await tx.commit();
    } finally {
      await producer.disconnect();
    }
    const got = await consumeUntil(messaging, topic, 3);
    expect(got.map((r) => r.key?.toString())).toEqual(['commit-1', 'commit-3', 'end']);
  });

  it('fails a producer that a newer one with its id fenced, as fenced, and commits nothing of it', async () => {
    const topic = uniqueName('it.tx-fenced');
    const id = uniqueName('tx-fenced');
    await admin.ensureTopics([{ topic }]);
    const old = messaging.transactionalProducer(id);
    const newer = messaging.transactionalProducer(id);
    await old.connect();
    await newer.connect();
    try {
      const tx = await old.begin();
      await tx.send(topic, [{ key: 'zombie', value: Buffer.from('x') }]);
      await newer.fence();
      await expect(tx.commit()).rejects.toMatchObject({ code: 'CL_KAFKA_FENCED', retriable: false });
      const live = await newer.begin();
      await live.send(topic, [{ key: 'owner', value: Buffer.from('x') }]);
      await live.commit();
    } finally {
      await old.disconnect().catch(() => undefined);
      await newer.disconnect();
    }
    const got = await consumeUntil(messaging, topic, 1);
    expect(got.map((r) => r.key?.toString())).toEqual(['owner']);
  });

  it('commits consumed offsets in the same transaction as the outputs', async () => {
    const input = uniqueName('it.tx-in');
    const output = uniqueName('it.tx-out');
    const group = uniqueName('it.tx-group');
    await admin.ensureTopics([{ topic: input }, { topic: output }]);
    const plain = messaging.producer();
    await plain.connect();
    await plain.send(
      input,
      ['x', 'y', 'z'].map((k) => ({ key: k, value: Buffer.from(k) })),
    );
    await plain.disconnect();

    const producer = messaging.transactionalProducer(uniqueName('tx'));
    const consumer = messaging.consumer({ groupId: group });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe([input], { fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async (batch) => {
            const tx = await producer.begin();
            await tx.send(
              output,
              batch.records.map((r) => ({ key: r.key?.toString() ?? null, value: Buffer.from(`seen ${r.value}`) })),
            );
            const last = batch.records[batch.records.length - 1];
            if (last) {
              await tx.sendOffsets(group, [
                { topic: input, partition: batch.partition, offset: String(Number(last.offset) + 1) },
              ]);
            }
            await tx.commit();
            seen += batch.records.length;
            if (seen >= 3) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await producer.disconnect();

    expect(await admin.groupOffsets(group, input)).toEqual([{ partition: 0, offset: '3' }]);
    const out = await consumeUntil(messaging, output, 3);
    expect(out.map((r) => r.value?.toString())).toEqual(['seen x', 'seen y', 'seen z']);
  });
});
