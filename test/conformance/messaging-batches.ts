import { expect, it } from 'vitest';
import type { ConsumerHandlers, RecordBatch } from '../../src/messaging/index.ts';
import { gate } from '../support/gate.ts';
import { until } from '../support/wait.ts';
import { rec, type ConformanceContext } from './messaging-context.ts';

/** A batch's keys, as the cases below log them. */
const keys = (b: RecordBatch) => b.records.map((r) => r.key?.toString() ?? '').join(',');

/**
 * Several batches of one partition in hand at once (batchesPerPartition): fetched one after the
 * other from where the last ended, handed over in offset order, and, when one fails, none read
 * again before every batch of the partition in hand has settled.
 */
export function batchesInHandCases({ h, messaging, topic, produce }: ConformanceContext): void {
  const consuming = async (t: string, eachBatch: ConsumerHandlers['eachBatch']) => {
    const consumer = messaging.consumer({
      groupId: h.unique('conf.in-hand'),
      batchesPerPartition: 2,
      partitionsConcurrently: 4,
    });
    await consumer.connect();
    await consumer.subscribe([t], { fromBeginning: true });
    await consumer.run({ eachBatch });
    return consumer;
  };
  it('hands a partition’s next batches over while its earlier ones are in hand, up to batchesPerPartition, in order', async () => {
    const t = await topic('in-hand', 2);
    await produce(t, [rec('a0', 'a0', 0)]);
    const held = gate();
    const seen: string[] = [];
    const consumer = await consuming(t, async (batch) => {
      seen.push(...batch.records.map((r) => r.key?.toString() ?? ''));
      if (batch.partition === 0) await held.opened;
    });
    try {
      await until('a0', () => seen.includes('a0'), h.waitMs);
      await produce(t, [rec('a1', 'a1', 0)]);
      // a0's batch is still in hand: a1 comes anyway, as the second batch of partition 0.
      await until('a1', () => seen.includes('a1'), h.waitMs);
      await produce(t, [rec('a2', 'a2', 0), rec('b0', 'b0', 1)]);
      await until('b0', () => seen.includes('b0'), h.waitMs);
      // Partition 1 was read after a2 was written, partition 0 not: two of its batches are in hand.
      expect(seen).not.toContain('a2');
      held.open();
      await until('a2', () => seen.includes('a2'), h.waitMs);
    } finally {
      held.open();
      await consumer.disconnect();
    }
    expect(seen.filter((k) => k.startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
  });

  it('reads a partition again from its committed offset only once every batch of it in hand has settled', async () => {
    const t = await topic('in-hand-fails', 2);
    await produce(t, [rec('a0', 'a0', 0)]);
    const a0Fails = gate();
    const a1Done = gate();
    const log: string[] = [];
    let failed = false;
    const consumer = await consuming(t, async (batch) => {
      const k = keys(batch);
      log.push(`start ${k}`);
      if (k === 'a0' && !failed) {
        await a0Fails.opened;
        failed = true;
        log.push('a0 failed');
        throw new Error('stage failed');
      }
      if (k === 'a1' && log.filter((l) => l === 'start a1').length === 1) {
        await a1Done.opened;
        log.push('a1 done');
      }
    });
    try {
      await until('a0 in hand', () => log.includes('start a0'), h.waitMs);
      await produce(t, [rec('a1', 'a1', 0)]);
      await until('a1 in hand beside it', () => log.includes('start a1'), h.waitMs);
      a0Fails.open();
      await until('a0 failed', () => log.includes('a0 failed'), h.waitMs);
      // Written after the failure: nothing of partition 0 may be fetched while a1 is in hand,
      // partition 1 reads on.
      await produce(t, [rec('a2', 'a2', 0), rec('b0', 'b0', 1)]);
      await until('partition 1 read on', () => log.includes('start b0'), h.waitMs);
      // Held past the rest after a failure (1 s in the Kafka adapter, 100 ms in memory): a
      // partition read again at the rest's end, batches in hand or not, would show here.
      await new Promise((r) => setTimeout(r, 1_500));
      a1Done.open();
      await until('partition 0 read again', () => log.filter((l) => l.startsWith('start a0')).length === 2, h.waitMs);
      await until('a2', () => log.some((l) => l.includes('a2')), h.waitMs);
    } finally {
      a0Fails.open();
      a1Done.open();
      await consumer.disconnect();
    }
    const p0 = log.filter((l) => !l.includes('b0'));
    // Nothing committed: partition 0 comes again from its start, after a1 was done, and only then.
    expect(p0.slice(0, 4)).toEqual(['start a0', 'start a1', 'a0 failed', 'a1 done']);
    expect(p0.slice(4).join(' ')).toMatch(/^start a0(,a1)?/);
    expect(
      p0
        .slice(4)
        .join(' ')
        .replace(/start /g, '')
        .split(/[ ,]/),
    ).toEqual(['a0', 'a1', 'a2']);
  });
}

/**
 * How much of a partition one batch carries: what one fetch returns, bounded by bytes (the
 * Kafka adapter asks up to 1 MiB a partition) and not by a count of records.
 */
export function batchSizeCases({ h, messaging, topic, produce }: ConformanceContext): void {
  const batchesOf = async (t: string, expected: number) => {
    const batches: RecordBatch[] = [];
    const consumer = messaging.consumer({ groupId: h.unique('conf.batch-size') });
    await consumer.connect();
    await consumer.subscribe([t], { fromBeginning: true });
    await consumer.run({ eachBatch: async (batch) => void batches.push(batch) });
    try {
      await until(`${expected} records`, () => batches.flatMap((b) => b.records).length >= expected, h.waitMs);
    } finally {
      await consumer.disconnect();
    }
    return batches;
  };

  it('hands over a partition’s small records written together in one batch, however many they are', async () => {
    const t = await topic('batch-many');
    const sent = Array.from({ length: 1_200 }, (_, i) => rec(`k${i}`, `value ${i}`, 0));
    await produce(t, sent);
    const batches = await batchesOf(t, sent.length);
    expect(batches.map((b) => b.records.length)).toEqual([sent.length]);
    expect(batches[0]?.records.map((r) => r.key?.toString())).toEqual(sent.map((r) => r.key));
  });

  it('hands over at most 1 MiB of a partition in one batch: large records come a few at a time, in order', async () => {
    const t = await topic('batch-bytes');
    const sent = Array.from({ length: 6 }, (_, i) => ({
      key: `big${i}`,
      value: Buffer.alloc(400_000, i),
      partition: 0,
    }));
    await produce(t, sent);
    const batches = await batchesOf(t, sent.length);
    for (const b of batches)
      expect(b.records.reduce((n, r) => n + (r.value?.length ?? 0), 0)).toBeLessThanOrEqual(1_048_576);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.flatMap((b) => b.records.map((r) => r.key?.toString()))).toEqual(sent.map((r) => r.key));
  });
}
