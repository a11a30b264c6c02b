import { describe, expect, it } from 'vitest';
import { readToEnd } from '../../src/messaging/index.ts';
import { testMessaging, uniqueName } from '../support/kafka.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('readToEnd', () => {
  it('rejects with the error a record failed on, at once rather than at the time-out', async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = uniqueName('it.read-to-end');
    await admin.ensureTopics([{ topic, partitions: 2 }]);
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(topic, [
      { key: 'a', value: Buffer.from('1'), partition: 0 },
      { key: 'b', value: Buffer.from('2'), partition: 1 },
    ]);
    await producer.disconnect();

    let calls = 0;
    const started = Date.now();
    const reading = readToEnd(
      messaging,
      admin,
      topic,
      'all',
      () => {
        calls += 1;
        throw new RangeError('Invalid time value');
      },
      20_000,
    );
    await expect(reading).rejects.toThrow('Invalid time value');
    // Well under the time-out: the failing record is not fetched again and again.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(calls).toBeLessThanOrEqual(2);
  }, 60_000);
});
