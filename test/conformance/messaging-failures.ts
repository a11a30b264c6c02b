import { expect, it } from 'vitest';
import { gate } from '../support/gate.ts';
import { until } from '../support/wait.ts';
import { rec, type ConformanceContext } from './messaging-context.ts';
import { keysOf } from './messaging-reader.ts';

/**
 * The conformance cases of a consumer in trouble: a handler that throws, a slow partition, an
 * assignment or batch that keeps failing, and a failure after the offsets were committed.
 */
export function consumerFailureCases({ h, messaging, topic, produce, reader }: ConformanceContext): void {
  it('fetches a batch again from the committed offset when its handler throws', async () => {
    const t = await topic('retry');
    await produce(
      t,
      ['a', 'b', 'c'].map((k) => rec(k, k)),
    );
    let failures = 0;
    const r = await reader([t], {
      onBatch: (records) => {
        if (records.some((x) => x.key?.toString() === 'b') && failures++ === 0) throw new Error('stage failed');
      },
    });
    try {
      await r.until('the batch again', () => keysOf(r.records).includes('c'));
    } finally {
      await r.stop();
    }
    expect(failures).toBeGreaterThan(1);
    // The failed batch was kept by nobody, and came again from the start (nothing was committed).
    expect(keysOf(r.records).slice(-3)).toEqual(['a', 'b', 'c']);
  });

  it('reads only the failed partition again, with no new assignment, when a handler throws', async () => {
    const t = await topic('rewind-one', 2);
    await produce(t, [rec('a0', 'a0', 0), rec('b0', 'b0', 1)]);
    let failures = 0;
    const r = await reader([t], {
      onBatch: (records) => {
        if (records.some((x) => x.key?.toString() === 'a0') && failures++ === 0) throw new Error('stage failed');
      },
    });
    try {
      await r.until('partition 0 again', () => keysOf(r.records).includes('a0'));
      // Partition 1's record is after b0: read from where it was, b0 comes once; read again from
      // its committed offset (none), as a rejoin of the group would, b0 would come twice.
      await produce(t, [rec('b1', 'b1', 1)]);
      await r.until('partition 1 read on', () => keysOf(r.records).includes('b1'));
    } finally {
      await r.stop();
    }
    expect(failures).toBe(2);
    expect(keysOf(r.records.filter((x) => x.partition === 1))).toEqual(['b0', 'b1']);
    // The member kept its partitions: a failed batch is the partition's to redo, not the group's.
    expect(r.assignments).toHaveLength(1);
  });

  it('reads on in the other partitions while the batch of one is slow', async () => {
    const t = await topic('independent', 2);
    await produce(t, [rec('a0', 'a0', 0), rec('b0', 'b0', 1)]);
    const held = gate();
    const seen: string[] = [];
    const consumer = messaging.consumer({ groupId: h.unique('conf.independent'), partitionsConcurrently: 2 });
    await consumer.connect();
    await consumer.subscribe([t], { fromBeginning: true });
    await consumer.run({
      eachBatch: async (b) => {
        seen.push(...b.records.map((r) => r.key?.toString() ?? ''));
        if (b.partition === 0) await held.opened;
      },
    });
    try {
      await until('both first batches', () => seen.includes('a0') && seen.includes('b0'), h.waitMs);
      await produce(t, [rec('b1', 'b1', 1), rec('a1', 'a1', 0)]);
      await until('partition 1 read on while partition 0 is held', () => seen.includes('b1'), h.waitMs);
      // Partition 0 itself is not read again before its batch is done.
      expect(seen).not.toContain('a1');
      held.open();
      await until('partition 0 read on once released', () => seen.includes('a1'), h.waitMs);
    } finally {
      held.open();
      await consumer.disconnect();
    }
  });

  it('says it is failing while its assignment or a batch keeps failing past its grace, and reading once through', async () => {
    const t = await topic('health');
    await produce(t, [rec('a', 'a')]);
    let assignmentFails = true;
    let batchFails = true;
    const consumer = messaging.consumer({ groupId: h.unique('conf.health'), failingAfterMs: 200 });
    expect(consumer.health()).toEqual({ state: 'starting', failingForMs: 0, reason: null });
    await consumer.connect();
    await consumer.subscribe([t], { fromBeginning: true });
    await consumer.run({
      onAssignment: () => {
        if (assignmentFails) throw new Error('the restore met an outage');
      },
      eachBatch: async () => {
        if (batchFails) throw new Error('the commit met an outage');
      },
    });
    try {
      await until('the assignment reported failing', () => consumer.health().state === 'failing', h.waitMs);
      expect(consumer.health().reason).toBe('handling the assignment: the restore met an outage');
      expect(consumer.health().failingForMs).toBeGreaterThanOrEqual(200);
      assignmentFails = false;
      await until(
        'the batch reported failing',
        () => consumer.health().reason === `handling batches of ${t}/0: the commit met an outage`,
        h.waitMs,
      );
      expect(consumer.health().state).toBe('failing');
      batchFails = false;
      await until('reading again', () => consumer.health().state === 'reading', h.waitMs);
      expect(consumer.health()).toEqual({ state: 'reading', failingForMs: 0, reason: null });
    } finally {
      await consumer.disconnect();
    }
  });

  it('is not left failing by a batch that failed after its offsets were committed', async () => {
    const t = await topic('health-committed');
    await produce(t, [rec('a', 'a')]);
    let failures = 0;
    const consumer = messaging.consumer({ groupId: h.unique('conf.health-committed'), failingAfterMs: 200 });
    await consumer.connect();
    await consumer.subscribe([t], { fromBeginning: true });
    await consumer.run({
      eachBatch: async (b) => {
        const last = b.records[b.records.length - 1];
        if (!last) return;
        await consumer.commitOffsets([{ topic: t, partition: 0, offset: String(Number(last.offset) + 1) }]);
        // As a transaction whose commit answer was lost: it went through, the handler failed.
        if (failures++ === 0) throw new Error('the commit answer was lost');
      },
    });
    try {
      await until('the batch failed once', () => failures > 0, h.waitMs);
      // Read again from the committed offset, the partition has nothing more to hand over; the
      // failure is behind it once read, past the grace or not.
      await new Promise((r) => setTimeout(r, 400));
      await until('reading', () => consumer.health().state === 'reading', h.waitMs).catch((e: unknown) => {
        throw new Error(`${String(e)}: ${JSON.stringify(consumer.health())}`);
      });
      expect(failures).toBe(1);
    } finally {
      await consumer.disconnect();
    }
  });
}
