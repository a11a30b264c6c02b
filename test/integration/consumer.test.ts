import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ConsumerHandlers, ConsumerOptions, IncomingRecord, MessageConsumer } from '../../src/messaging/index.ts';
import { brokerSession, testMessaging, uniqueName } from '../support/kafka.ts';

// The consumer's contract on the real broker: what the processor and the runners rely on.
const messaging = testMessaging();
const { admin, consumer: newConsumer } = brokerSession(messaging);

async function topicWith(partitions: number, records: { key: string; partition: number }[]): Promise<string> {
  const topic = uniqueName('it.consumer');
  await admin.ensureTopics([{ topic, partitions }]);
  const producer = messaging.producer();
  await producer.connect();
  await producer.send(
    topic,
    records.map((r) => ({ ...r, value: Buffer.from(r.key) })),
  );
  await producer.disconnect();
  return topic;
}

/** A consumer of `topic` in a group of its own, running the handlers made for it. */
async function started(
  topic: string,
  handlers: (c: MessageConsumer) => ConsumerHandlers,
  options: Omit<ConsumerOptions, 'groupId'> = {},
): Promise<MessageConsumer> {
  const consumer = newConsumer({ groupId: uniqueName('it.consumer-group'), ...options });
  await consumer.connect();
  await consumer.subscribe([topic], { fromBeginning: true });
  await consumer.run(handlers(consumer));
  return consumer;
}

/** Resolves once `done` holds for what arrived; the handler adds to `seen` in order. */
function until(done: () => boolean): { check: () => void; reached: Promise<void> } {
  let resolve: () => void = () => undefined;
  const reached = new Promise<void>((r) => (resolve = r));
  return { check: () => (done() ? resolve() : undefined), reached };
}

const keys = (rs: IncomingRecord[]) => rs.map((r) => r.key?.toString());

describe('the consumer on the real broker', () => {
  it('reads a batch whose handler failed again from the last committed offset, and goes on', async () => {
    const topic = await topicWith(
      1,
      ['k0', 'k1', 'k2', 'k3'].map((key) => ({ key, partition: 0 })),
    );
    const seen: IncomingRecord[] = [];
    let failed = false;
    const wait = until(() => keys(seen).includes('k3'));
    await started(topic, (consumer) => ({
      eachBatch: async (batch) => {
        if (!failed) {
          failed = true;
          // The first record is done and committed; the rest of the batch fails.
          await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
          throw new Error('handler failed');
        }
        seen.push(...batch.records);
        wait.check();
      },
    }));
    await wait.reached;
    // Everything from the committed offset on comes again, in order (a client may also repeat the
    // batch's start; that is allowed, skipping a record is not).
    expect(keys(seen).slice(-3)).toEqual(['k1', 'k2', 'k3']);
    expect(['k0', 'k1', 'k2', 'k3']).toEqual(expect.arrayContaining(keys(seen)));
  });

  it('calls onAssignment with its partitions before any batch, hands no batch of a paused partition until resumed, and reads again after a seek', async () => {
    const topic = await topicWith(2, [
      { key: 'a0', partition: 0 },
      { key: 'a1', partition: 0 },
      { key: 'b0', partition: 1 },
    ]);
    const events: string[] = [];
    let phase = until(() => events.filter((e) => e.startsWith('a')).length >= 2);
    const consumer = await started(topic, (c) => ({
      onAssignment: (assigned) => {
        events.push(`assigned ${assigned.flatMap((a) => a.partitions).sort()}`);
        c.pause([{ topic, partitions: [1] }]);
      },
      eachBatch: async (batch) => {
        events.push(...keys([...batch.records]).map(String));
        phase.check();
      },
    }));
    await phase.reached;
    expect(events).toEqual(['assigned 0,1', 'a0', 'a1']);

    phase = until(() => events.includes('b0'));
    consumer.resume([{ topic, partitions: [1] }]);
    await phase.reached;

    phase = until(() => events.filter((e) => e === 'a1').length === 2);
    consumer.seek(topic, 0, '1');
    await phase.reached;
    expect(events).toEqual(['assigned 0,1', 'a0', 'a1', 'b0', 'a1']);
  });

  it('reads every assigned partition in its first fetch, positions looked up together', async () => {
    const partitions = 6;
    const topic = await topicWith(
      partitions,
      Array.from({ length: partitions }, (_, p) => ({ key: `k${p}`, partition: p })),
    );
    // Two partitions have committed positions, past their record: the lookup must honour them.
    const group = uniqueName('it.consumer-group');
    const setter = messaging.transactionalProducer(uniqueName('it.consumer-setter'));
    await setter.connect();
    const tx = await setter.begin();
    await tx.sendOffsets(group, [
      { topic, partition: 1, offset: '1' },
      { topic, partition: 4, offset: '1' },
    ]);
    await tx.commit();
    await setter.disconnect();
    const consumer = newConsumer({ groupId: group, partitionsConcurrently: partitions });
    await consumer.connect();
    await consumer.subscribe([topic], { fromBeginning: true });
    // Every batch is held until the first round has handed them all: a partition read a round
    // later would never come while the first round's batches wait.
    const handed: number[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const allHanded = until(() => handed.length === partitions - 2);
    await consumer.run({
      eachBatch: async (b) => {
        handed.push(b.partition);
        allHanded.check();
        await held;
      },
    });
    const late = new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000).unref());
    expect(await Promise.race([allHanded.reached.then(() => 'together' as const), late])).toBe('together');
    release();
    expect(handed.sort()).toEqual([0, 2, 3, 5]);
  });

  it('starts after offsets a transaction is committing only once it has committed them', async () => {
    const topic = await topicWith(
      1,
      ['k0', 'k1'].map((key) => ({ key, partition: 0 })),
    );
    const group = uniqueName('it.consumer-group');
    const setter = messaging.transactionalProducer(uniqueName('it.consumer-setter'));
    await setter.connect();
    try {
      const tx = await setter.begin();
      await tx.sendOffsets(group, [{ topic, partition: 0, offset: '1' }]);
      // The offsets are sent, not committed: read then, they would still be the group's old ones.
      const consumer = newConsumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe([topic], { fromBeginning: true });
      let assigned: () => void = () => undefined;
      const assignment = new Promise<void>((r) => (assigned = r));
      const batches: string[][] = [];
      const first = until(() => batches.length > 0);
      await consumer.run({
        onAssignment: () => assigned(),
        eachBatch: async (b) => {
          batches.push(keys([...b.records]).map(String));
          first.check();
        },
      });
      await assignment;
      // Its position is looked up right after onAssignment; for a second, nothing may be handed.
      const open = new Promise<'open'>((r) => setTimeout(() => r('open'), 1_000).unref());
      expect(await Promise.race([first.reached.then(() => 'handed' as const), open])).toBe('open');
      await tx.commit();
      await first.reached;
      expect(batches[0]).toEqual(['k1']);
    } finally {
      await setter.disconnect();
    }
  });

  it('keeps no fetched batch alive once it is handled, the first one included', async () => {
    const topic = await topicWith(
      1,
      ['k0', 'k1'].map((key) => ({ key, partition: 0 })),
    );
    // The client's pool keeps the callback of the request that opened a connection for the
    // connection's life; when that was a fetch, its whole response stayed reachable with it.
    const first: WeakRef<Buffer>[] = [];
    const seen: string[] = [];
    const wait = (key: string) => until(() => seen.includes(key));
    const k1 = wait('k1');
    const k2 = wait('k2');
    await started(topic, () => ({
      eachBatch: async (batch) => {
        for (const r of batch.records) if (r.value && first.length === 0) first.push(new WeakRef(r.value));
        seen.push(...batch.records.map((r) => r.key?.toString() ?? ''));
        k1.check();
        k2.check();
      },
    }));
    await k1.reached;
    // A second fetch with data, so nothing of the first is the consumer's latest.
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(topic, [{ key: 'k2', value: Buffer.from('k2'), partition: 0 }]);
    await producer.disconnect();
    await k2.reached;
    expect(first).toHaveLength(1);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Two collections a turn apart: weak references are cleared only at the end of a turn.
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(first[0]?.deref()).toBeUndefined();
  });
});
