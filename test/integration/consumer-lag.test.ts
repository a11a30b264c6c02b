import { describe, expect, it } from 'vitest';
import { consumerLag } from '../../src/observability/reach.ts';
import { testMessaging, uniqueName } from '../support/kafka.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('consumer lag', () => {
  it('is counted from the committed offsets while a transaction holds newer ones open', async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const input = uniqueName('it.lag-in');
    const output = uniqueName('it.lag-out');
    const group = uniqueName('it.lag-group');
    await admin.ensureTopics([
      { topic: input, partitions: 2 },
      { topic: output, partitions: 1 },
    ]);
    const plain = messaging.producer();
    await plain.connect();
    await plain.send(
      input,
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)), partition: i % 2 })),
    );
    await plain.disconnect();

    // The processor's way: offsets committed in transactions, and the next one already open.
    const producer = messaging.transactionalProducer(uniqueName('it.lag-tx'));
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const done = await producer.begin();
    await done.send(output, [{ key: 'x', value: Buffer.from('done') }]);
    await done.sendOffsets(group, [
      { topic: input, partition: 0, offset: '2' },
      { topic: input, partition: 1, offset: '1' },
    ]);
    await done.commit();
    const open = await producer.begin();
    await open.send(output, [{ key: 'x', value: Buffer.from('open') }]);
    await open.sendOffsets(group, [{ topic: input, partition: 0, offset: '5' }]);

    // Read as a stable read, the open transaction would hold the gauge through the client's
    // retries (about 8 s) and then fail it, and readiness call the broker down.
    expect(await consumerLag(messaging, [[group, input]])).toEqual([{ group, topic: input, lag: 7 }]);
    await open.commit();
    expect(await consumerLag(messaging, [[group, input]])).not.toEqual([]);
  }, 60_000);
});
