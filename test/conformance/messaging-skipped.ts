import { expect, it } from 'vitest';
import type { MessagingAdmin } from '../../src/messaging/index.ts';
import { rec, type ConformanceContext } from './messaging-context.ts';
import { keysOf } from './messaging-reader.ts';

/**
 * Records deleted (by retention, here by deleteRecords) before a group read them: the consumer
 * reads on from the log start, as Kafka's reset does, and reports the range it passed over.
 */
export function skippedRecordCases(
  { h, topic, produce, reader }: ConformanceContext,
  admin: () => MessagingAdmin,
): void {
  it('reports the records deleted before its group read them, and reads on from the log start', async () => {
    const t = await topic('skipped');
    await produce(
      t,
      ['a', 'b', 'c'].map((k) => rec(k, k)),
    );
    const group = h.unique('conf.skipped');
    const first = await reader([t], {}, group);
    try {
      await first.until('three records', () => first.records.length === 3);
      await first.consumer.commitOffsets([{ topic: t, partition: 0, offset: '3' }]);
    } finally {
      await first.stop();
    }
    // While the group is away, ten more come and retention takes everything below offset 8.
    await produce(
      t,
      ['d', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'].map((k) => rec(k, k)),
    );
    await admin().deleteRecords(t, 0, '8');
    expect(await admin().topicOffsets(t)).toEqual([{ partition: 0, high: '13', low: '8' }]);

    const second = await reader([t], {}, group);
    const fresh = await reader([t]);
    try {
      await second.until('the records still there', () => second.records.length === 5);
      await fresh.until('a new group reads from the log start', () => fresh.records.length === 5);
      const skip = {
        topic: t,
        partition: 0,
        from: '3',
        to: '8',
        logStart: '8',
        logEnd: '13',
        cause: 'deleted',
        count: 5,
      };
      expect(second.skipped).toEqual([{ ...skip, at: expect.any(Number) }]);
      expect(second.consumer.health()).toMatchObject({ state: 'reading', skipped: second.skipped });
      // A group with nothing committed starts at the log start: nothing of its own was skipped.
      expect(fresh.skipped).toEqual([]);
      expect(fresh.consumer.health().skipped).toBeUndefined();
    } finally {
      await second.stop();
      await fresh.stop();
    }
    expect(keysOf(second.records)).toEqual(['i', 'j', 'k', 'l', 'm']);
    expect(keysOf(fresh.records)).toEqual(['i', 'j', 'k', 'l', 'm']);
  });
}
