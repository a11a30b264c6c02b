import { expect, it } from 'vitest';
import { until } from '../support/wait.ts';
import { rec, type ConformanceContext } from './messaging-context.ts';
import { keysOf } from './messaging-reader.ts';

/**
 * Where a member of a group with no committed offset starts. Not from the beginning, it starts
 * at the end a read_committed consumer is given: the last stable offset, before any transaction
 * still open, whose records it then reads once they commit (a start at the high watermark would
 * pass over them for good).
 */
export function startingPositionCases({ h, messaging, topic, produce, reader }: ConformanceContext): void {
  it('starts a member not reading from the beginning at the last stable offset, before an open transaction', async () => {
    const t = await topic('latest');
    await produce(t, [rec('before', 'before')]);
    const producer = messaging.transactionalProducer(h.unique('conf.latest-tx'));
    await producer.connect();
    try {
      const open = await producer.begin();
      await open.send(t, [rec('open', 'open')]);
      const r = await reader([t], { fromBeginning: false });
      try {
        await until('its position read', () => r.consumer.health().state === 'reading', h.waitMs);
        await open.commit();
        await produce(t, [rec('after', 'after')]);
        await r.until('the record written after it started', () => keysOf(r.records).includes('after'));
      } finally {
        await r.stop();
      }
      expect(keysOf(r.records)).toEqual(['open', 'after']);
    } finally {
      await producer.disconnect();
    }
  });
}
