import { expect, it } from 'vitest';
import type { MessagingAdmin } from '../../src/messaging/index.ts';
import { rec, rejection, type ConformanceContext } from './messaging-context.ts';

/**
 * A group's committed offsets while a transaction holds newer ones (KIP-447). A stable read
 * waits for the transaction to end, but only where it holds offsets: the partitions asked for.
 * A read that is not stable answers at once with the offsets committed so far.
 */
export function groupOffsetCases({ h, messaging, topic }: ConformanceContext, admin: () => MessagingAdmin): void {
  /** A transaction that committed offset 2 of the input's partition 0 and holds offset 5 open. */
  const holdingNewer = async (prefix: string, partitions = 1) => {
    const input = await topic(`${prefix}-in`, partitions);
    const output = await topic(`${prefix}-out`);
    const group = h.unique(`conf.${prefix}`);
    const producer = messaging.transactionalProducer(h.unique(`conf.${prefix}-tx`));
    await producer.connect();
    const first = await producer.begin();
    await first.send(output, [rec('x', 'first')]);
    await first.sendOffsets(group, [{ topic: input, partition: 0, offset: '2' }]);
    await first.commit();
    const open = await producer.begin();
    await open.send(output, [rec('x', 'second')]);
    await open.sendOffsets(group, [{ topic: input, partition: 0, offset: '5' }]);
    return { input, group, producer, open };
  };

  it('answers a read of group offsets that is not stable with the committed ones while a transaction holds newer', async () => {
    const { input, group, producer, open } = await holdingNewer('unstable');
    try {
      // A stable read would wait for the open transaction through every retry, then fail.
      expect(await admin().groupOffsets(group, input, { stable: false })).toEqual([{ partition: 0, offset: '2' }]);
      await open.commit();
    } finally {
      await producer.disconnect();
    }
    // The stable read waits for the commit's marker; the other then sees it too.
    expect(await admin().groupOffsets(group, input)).toEqual([{ partition: 0, offset: '5' }]);
    expect(await admin().groupOffsets(group, input, { stable: false })).toEqual([{ partition: 0, offset: '5' }]);
  });

  it('waits in a stable read for the transaction that holds newer offsets, and answers those once it commits', async () => {
    const { input, group, producer, open } = await holdingNewer('stable-wait');
    try {
      let answered = false;
      const reading = admin().groupOffsets(group, input);
      reading.then(
        () => (answered = true),
        () => (answered = true),
      );
      // A read of its own, answered meanwhile: the stable one still waits.
      expect(await admin().groupOffsets(group, input, { stable: false })).toEqual([{ partition: 0, offset: '2' }]);
      expect(answered).toBe(false);
      await open.commit();
      expect(await reading).toEqual([{ partition: 0, offset: '5' }]);
    } finally {
      await producer.disconnect();
    }
  });

  it('answers a stable read of the partitions asked for at once while a transaction holds offsets of others', async () => {
    const { input, group, producer, open } = await holdingNewer('stable-some', 3);
    try {
      expect(await admin().groupOffsets(group, input, { partitions: [2, 1] })).toEqual([
        { partition: 1, offset: '-1' },
        { partition: 2, offset: '-1' },
      ]);
      await open.commit();
    } finally {
      await producer.disconnect();
    }
    expect(await admin().groupOffsets(group, input, { partitions: [0] })).toEqual([{ partition: 0, offset: '5' }]);
    // A partition the topic does not have is refused, as a topic that does not exist is.
    const beyond = await rejection(admin().groupOffsets(group, input, { partitions: [1, 3] }));
    expect([beyond.code, beyond.message]).toEqual([
      'CL_KAFKA_TRANSIENT',
      `fetching offsets of group ${group} on ${input}: partition 3 of 3: This server does not host this topic-partition`,
    ]);
  });
}
