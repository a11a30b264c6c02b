import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionFor, readToEnd, type MessagingAdmin, type OutgoingRecord } from '../../src/messaging/index.ts';
import { untilAsync } from '../support/wait.ts';
import { rec, rejection, type ConformanceContext, type MessagingHarness } from './messaging-context.ts';
import { batchesInHandCases, batchSizeCases } from './messaging-batches.ts';
import { consumerFailureCases } from './messaging-failures.ts';
import { fencingCases } from './messaging-fencing.ts';
import { membershipCases } from './messaging-membership.ts';
import { groupOffsetCases } from './messaging-group-offsets.ts';
import { rebalanceCases } from './messaging-rebalance.ts';
import { partialSendCases } from './messaging-partial-sends.ts';
import { recordCases } from './messaging-records.ts';
import { skippedRecordCases } from './messaging-skipped.ts';
import { startingPositionCases } from './messaging-start.ts';
import { keysOf, startReader, valuesOf } from './messaging-reader.ts';

export type { MessagingHarness } from './messaging-context.ts';

/**
 * The semantics of Kafka that closeloop relies on, asked of any Messaging: run against the
 * Kafka adapter on the real broker and against the in-memory one, so both answer alike.
 */
export function messagingConformance(h: MessagingHarness): void {
  const messaging = h.messaging();
  let admin: MessagingAdmin;
  const topic = async (prefix: string, partitions = 1) => {
    const name = h.unique(`conf.${prefix}`);
    await admin.ensureTopics([{ topic: name, partitions }]);
    return name;
  };
  const produce = async (t: string, records: readonly OutgoingRecord[]) => {
    const p = messaging.producer();
    await p.connect();
    try {
      return await p.send(t, records);
    } finally {
      await p.disconnect();
    }
  };
  const reader = (topics: string[], options: Parameters<typeof startReader>[4] = {}, group = h.unique('conf.g')) =>
    startReader(messaging, topics, group, h.waitMs, options);

  const ctx: ConformanceContext = { h, messaging, topic, produce, reader };

  beforeAll(async () => {
    admin = messaging.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  describe(`messaging port conformance: ${h.name}`, () => {
    it('hands records over in order per partition, keyed ones where partitionFor says', async () => {
      const t = await topic('order', 3);
      const keys = Array.from({ length: 12 }, (_, i) => `SR-${1000 + i}`);
      const sent = keys.flatMap((k) => [1, 2, 3].map((n) => rec(k, `${k}/${n}`)));
      const delivered = await produce(t, sent);
      // One answer per partition written, each at the partition's first free offset.
      expect(new Set(delivered.map((d) => d.partition)).size).toBe(delivered.length);
      for (const d of delivered) expect(d.baseOffset).toBe('0');
      const pinned = await produce(t, [rec('pinned', 'pinned', 2)]);
      expect(pinned.map((d) => d.partition)).toEqual([2]);

      const r = await reader([t]);
      try {
        await r.until('every record', () => r.records.length === sent.length + 1);
      } finally {
        await r.stop();
      }
      for (const got of r.records.filter((x) => x.value?.toString() !== 'pinned'))
        expect(got.partition).toBe(partitionFor(got.key?.toString() ?? '', 3));
      for (const p of [0, 1, 2]) {
        const offsets = r.records.filter((x) => x.partition === p).map((x) => Number(x.offset));
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      for (const k of keys)
        expect(valuesOf(r.records.filter((x) => x.key?.toString() === k))).toEqual([1, 2, 3].map((n) => `${k}/${n}`));
      expect(r.records.find((x) => x.value?.toString() === 'pinned')?.partition).toBe(2);
    });

    it('resumes a group from its committed offsets, and groupOffsets shows them', async () => {
      const t = await topic('resume');
      await produce(
        t,
        ['a', 'b', 'c', 'd', 'e'].map((v) => rec(v, v)),
      );
      const group = h.unique('conf.resume');
      expect(await admin.groupOffsets(group, t)).toEqual([{ partition: 0, offset: '-1' }]);
      const first = await reader([t], {}, group);
      try {
        await first.until('five records', () => first.records.length === 5);
        await first.consumer.commitOffsets([{ topic: t, partition: 0, offset: '3' }]);
      } finally {
        await first.stop();
      }
      expect(await admin.groupOffsets(group, t)).toEqual([{ partition: 0, offset: '3' }]);
      await produce(t, [rec('f', 'f')]);
      const second = await reader([t], {}, group);
      try {
        await second.until('the records after the commit', () => second.records.length === 3);
      } finally {
        await second.stop();
      }
      expect(keysOf(second.records)).toEqual(['d', 'e', 'f']);
    });

    it('hides aborted records for good and open transactions until they commit', async () => {
      const t = await topic('rc', 2);
      const producer = messaging.transactionalProducer(h.unique('conf.rc'));
      const late = messaging.transactionalProducer(h.unique('conf.rc-open'));
      await producer.connect();
      await late.connect();
      try {
        for (const [v, outcome] of [
          ['A', 'commit'],
          ['B', 'abort'],
          ['E', 'commit'],
        ] as const) {
          const tx = await producer.begin();
          await tx.send(t, [rec(v, v, 0)]);
          await (outcome === 'commit' ? tx.commit() : tx.abort());
        }
        const open = await late.begin();
        await open.send(t, [rec('C', 'C', 0)]);
        // Behind the open transaction on partition 0, and written after it on partition 1.
        await produce(t, [rec('D', 'D', 0), rec('F', 'F', 1)]);
        const r = await reader([t]);
        try {
          await r.until('A, E and F', () => ['A', 'E', 'F'].every((k) => keysOf(r.records).includes(k)));
          expect(keysOf(r.records.filter((x) => x.partition === 0))).toEqual(['A', 'E']);
          await open.commit();
          await r.until('C and D', () => r.records.length === 5);
        } finally {
          await r.stop();
        }
        expect(keysOf(r.records.filter((x) => x.partition === 0))).toEqual(['A', 'E', 'C', 'D']);
      } finally {
        await producer.disconnect();
        await late.disconnect();
      }
    });

    it('commits consumed offsets with the outputs, and aborts them with the outputs', async () => {
      const input = await topic('eos-in');
      const output = await topic('eos-out');
      const group = h.unique('conf.eos');
      const producer = messaging.transactionalProducer(h.unique('conf.eos-tx'));
      await producer.connect();
      try {
        const aborted = await producer.begin();
        await aborted.send(output, [rec('x', 'aborted')]);
        await aborted.sendOffsets(group, [{ topic: input, partition: 0, offset: '1' }]);
        await aborted.abort();
        expect(await admin.groupOffsets(group, input)).toEqual([{ partition: 0, offset: '-1' }]);
        const committed = await producer.begin();
        await committed.send(output, [rec('x', 'committed')]);
        await committed.sendOffsets(group, [{ topic: input, partition: 0, offset: '2' }]);
        await committed.commit();
      } finally {
        await producer.disconnect();
      }
      expect(await admin.groupOffsets(group, input)).toEqual([{ partition: 0, offset: '2' }]);
      const r = await reader([output]);
      try {
        await r.until('the committed output', () => r.records.length >= 1);
      } finally {
        await r.stop();
      }
      expect(valuesOf(r.records)).toEqual(['committed']);
    });

    it('gives partition p of every topic to one member of a co-partitioned group', async () => {
      // Three partitions: kafkajs's round-robin deal would split them (a0, a2, b1 | a1, b0, b2).
      const a = await topic('copart-a', 3);
      const b = await topic('copart-b', 3);
      const group = h.unique('conf.copart');
      const first = await reader([a, b], { coPartitioned: true }, group);
      const second = await reader([a, b], { coPartitioned: true }, group);
      const owned = (r: typeof first) => r.assignments.at(-1) ?? [];
      const partitionsOf = (r: typeof first, t: string) => owned(r).find((x) => x.topic === t)?.partitions ?? [];
      try {
        // Each waits on its own assignments: the first one gives up some once the second has joined.
        await first.until('the second member to join', () => owned(first).some((x) => x.partitions.length < 3));
        await second.until('an assignment', () => owned(second).length > 0);
        for (const r of [first, second]) expect(partitionsOf(r, a)).toEqual(partitionsOf(r, b));
        expect([...partitionsOf(first, a), ...partitionsOf(second, a)].sort()).toEqual([0, 1, 2]);
        await produce(
          a,
          [0, 1, 2].map((p) => rec(`a${p}`, 'a', p)),
        );
        await produce(
          b,
          [0, 1, 2].map((p) => rec(`b${p}`, 'b', p)),
        );
        for (const r of [first, second])
          await r.until('its records', () => r.records.length === 2 * partitionsOf(r, a).length);
        for (const r of [first, second])
          for (const got of r.records) expect(partitionsOf(r, got.topic)).toContain(got.partition);
      } finally {
        await first.stop();
        await second.stop();
      }
    });

    it('holds a paused partition back until it is resumed, and re-reads from a seek', async () => {
      const t = await topic('pause', 2);
      let resumed = false;
      const early: string[] = [];
      const r = await reader([t], {
        onBatch: (records) => {
          if (!resumed) early.push(...keysOf(records.filter((x) => x.partition === 0)).map(String));
        },
      });
      try {
        await r.until('the assignment', () => r.assignments.length > 0);
        r.consumer.pause([{ topic: t, partitions: [0] }]);
        await produce(t, [rec('held', 'held', 0), rec('free', 'free', 1)]);
        // Two more rounds on partition 1: whatever fetched partition 0 meanwhile has handed it over.
        for (const k of ['free', 'free2', 'free3']) {
          if (k !== 'free') await produce(t, [rec(k, k, 1)]);
          await r.until(`${k} on the unpaused partition`, () => keysOf(r.records).includes(k));
        }
        expect(keysOf(r.records)).toEqual(['free', 'free2', 'free3']);
        resumed = true;
        r.consumer.resume([{ topic: t, partitions: [0] }]);
        await r.until('the resumed partition', () => keysOf(r.records).includes('held'));
        await produce(
          t,
          ['x', 'y', 'z'].map((k) => rec(k, k, 1)),
        );
        await r.until('x, y and z', () => r.records.length === 7);
        // Partition 1 holds free, free2, free3, x, y, z: from offset 4 on, y and z come again.
        r.consumer.seek(t, 1, '4');
        await r.until('the records from the seek on', () => r.records.length === 9);
      } finally {
        await r.stop();
      }
      expect(early).toEqual([]);
      expect(keysOf(r.records.slice(7))).toEqual(['y', 'z']);
    });

    consumerFailureCases(ctx);
    recordCases(ctx);
    partialSendCases(ctx);
    fencingCases(ctx);
    batchesInHandCases(ctx);
    batchSizeCases(ctx);
    startingPositionCases(ctx);
    rebalanceCases(ctx);
    groupOffsetCases(ctx, () => admin);
    membershipCases(ctx, () => admin);
    skippedRecordCases(ctx, () => admin);

    it('reports topic offsets, counting transaction markers, and manages topics idempotently', async () => {
      const t = h.unique('conf.admin');
      await admin.ensureTopics([{ topic: t, partitions: 2 }]);
      await admin.ensureTopics([{ topic: t, partitions: 2 }]);
      await admin.ensureTopics([{ topic: t, partitions: 5 }]);
      expect(await admin.listTopics()).toContain(t);
      await produce(t, [rec('p', 'p', 0), rec('q', 'q', 0)]);
      const producer = messaging.transactionalProducer(h.unique('conf.admin-tx'));
      await producer.connect();
      const tx = await producer.begin();
      await tx.send(t, [rec('r', 'r', 1)]);
      await tx.commit();
      await producer.disconnect();
      // A commit returns once the coordinator has decided it; the marker that ends the
      // transaction in partition 1, and moves its last stable offset past it, is written after.
      // Until then read_committed readers, and so topicOffsets, see the partition as it was.
      let offsets: Awaited<ReturnType<MessagingAdmin['topicOffsets']>> = [];
      await untilAsync(
        'the commit marker in partition 1',
        async () => {
          offsets = (await admin.topicOffsets(t)).sort((x, y) => x.partition - y.partition);
          return offsets.some((o) => o.partition === 1 && o.high !== '0');
        },
        h.waitMs,
      );
      expect(offsets).toEqual([
        { partition: 0, high: '2', low: '0' },
        { partition: 1, high: '2', low: '0' },
      ]);
      expect((await admin.describeCluster()).brokers.length).toBeGreaterThan(0);
      await admin.deleteTopics([t]);
      expect(await admin.listTopics()).not.toContain(t);
    });

    it("gives a topic's id, the same until the topic is deleted and created again", async () => {
      const t = await topic('id');
      const id = await admin.topicId(t);
      expect(id).toMatch(/\S/);
      expect(await admin.topicId(t)).toBe(id);
      await admin.deleteTopics([t]);
      await admin.ensureTopics([{ topic: t, partitions: 1 }]);
      expect(await admin.topicId(t)).not.toBe(id);
    });

    it("gives a topic's settings: its own, else the broker's defaults, null for a name unknown", async () => {
      const kept = h.unique('conf.kept');
      await admin.ensureTopics([{ topic: kept, partitions: 1, config: { 'retention.ms': '-1' } }]);
      const names = ['retention.ms', 'cleanup.policy', 'retention.bytes', 'no.such.setting'];
      expect(await admin.topicSettings(kept, names)).toEqual({
        'retention.ms': '-1',
        'cleanup.policy': 'delete',
        'retention.bytes': '-1',
        'no.such.setting': null,
      });
      const plain = await topic('settings');
      const settings = await admin.topicSettings(plain, ['retention.ms', 'cleanup.policy']);
      // The broker's default retention is finite: a topic nobody configured loses its records.
      expect(Number(settings['retention.ms'])).toBeGreaterThan(0);
      expect(settings['cleanup.policy']).toBe('delete');
      const compacted = h.unique('conf.compacted');
      await admin.ensureTopics([{ topic: compacted, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
      expect(await admin.topicSettings(compacted, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'compact' });
      // The broker tries a topic it does not host again for a while (about 9 s here) before it says so.
      const missing = h.unique('conf.missing-settings');
      expect((await rejection(admin.topicSettings(missing, ['retention.ms']))).code).toBe('CL_KAFKA_TRANSIENT');
    }, 30_000);

    it('grows a topic that the next offsets read sees whole, and counts a group’s members', async () => {
      const t = await topic('grow', 2);
      // Asked once before, so a client that caches metadata holds the topic at two partitions;
      // then grown by another client, as by an operator's tool.
      expect(await admin.topicOffsets(t)).toHaveLength(2);
      const operator = messaging.admin();
      await operator.connect();
      await operator.addPartitions([t], 3);
      await operator.disconnect();
      expect((await admin.topicOffsets(t)).map((o) => o.partition).sort()).toEqual([0, 1, 2]);
      expect(await admin.groupOffsets(h.unique('conf.g'), t)).toHaveLength(3);
      const group = h.unique('conf.members');
      expect(await admin.groupMembers(group)).toBe(0);
      const r = await reader([t], {}, group);
      await r.until('an assignment', () => r.assignments.length > 0);
      expect(await admin.groupMembers(group)).toBe(1);
      await r.stop();
      await untilAsync('the member gone', async () => (await admin.groupMembers(group)) === 0, h.waitMs);
    });

    it('refuses a topic that does not exist as the Kafka adapter does', async () => {
      const missing = h.unique('conf.missing');
      const consumer = messaging.consumer({ groupId: h.unique('conf.missing-g') });
      await consumer.connect();
      try {
        expect((await rejection(consumer.subscribe([missing]))).code).toBe('CL_KAFKA_TRANSIENT');
      } finally {
        await consumer.disconnect();
      }
      expect((await rejection(admin.groupOffsets(h.unique('conf.g'), missing))).code).toBe('CL_KAFKA_TRANSIENT');
      expect((await rejection(admin.topicId(missing))).code).toBe('CL_KAFKA_TRANSIENT');
      expect((await rejection(produce(missing, [rec('k', 'v')]))).code).toBe('CL_KAFKA_TRANSIENT');
    }, 60_000);

    it('reads a transactional topic exactly to its end with readToEnd', async () => {
      const t = await topic('rte', 2);
      const producer = messaging.transactionalProducer(h.unique('conf.rte'));
      await producer.connect();
      try {
        for (const [i, outcome] of ['commit', 'abort', 'commit', 'commit', 'abort'].entries()) {
          const tx = await producer.begin();
          await tx.send(t, [rec(`k${i}`, `v${i}`, i % 2), rec(`k${i}`, `w${i}`, (i + 1) % 2)]);
          await (outcome === 'commit' ? tx.commit() : tx.abort());
        }
      } finally {
        await producer.disconnect();
      }
      const all: string[] = [];
      expect(await readToEnd(messaging, admin, t, 'all', (r) => void all.push(r.value?.toString() ?? ''))).toBe(6);
      expect(all.sort()).toEqual(['v0', 'v2', 'v3', 'w0', 'w2', 'w3']);
      const one: string[] = [];
      expect(await readToEnd(messaging, admin, t, [1], (r) => void one.push(r.value?.toString() ?? ''))).toBe(3);
      expect(one).toEqual(['w0', 'w2', 'v3']);
    });
  });
}
