import { afterEach, expect, it, vi } from 'vitest';
import { createInMemoryMessaging, readToEnd, type Messaging } from '../../src/messaging/index.ts';

// When the in-memory broker's timeout starts and stops, with its timer advanced. That a
// transaction past it is aborted and its producer fenced, as on Kafka, is the conformance
// suite's case (test/conformance/messaging-fencing.ts).
const TIMEOUT_MS = 5_000;

afterEach(() => {
  vi.useRealTimers();
});

async function committedValues(messaging: Messaging, topic: string): Promise<string[]> {
  const admin = messaging.admin();
  const values: string[] = [];
  await readToEnd(messaging, admin, topic, 'all', (r) => void values.push(r.value?.toString() ?? ''));
  return values;
}

async function setup() {
  const messaging = createInMemoryMessaging({ transactionTimeoutMs: TIMEOUT_MS });
  await messaging.admin().ensureTopics([{ topic: 't', partitions: 1 }]);
  return messaging;
}

it('times a transaction from its first write, and stops timing it once it has ended', async () => {
  const messaging = await setup();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const producer = messaging.transactionalProducer('id');
  // Begun long before it writes: as on a broker, nothing runs until its first partition.
  const first = await producer.begin();
  vi.advanceTimersByTime(TIMEOUT_MS * 2);
  await first.sendOffsets('g', [{ topic: 't', partition: 0, offset: '0' }]);
  vi.advanceTimersByTime(TIMEOUT_MS - 1);
  await first.send('t', [{ key: 'k', value: Buffer.from('one') }]);
  await first.commit();
  // Committed in time: its timer no longer moves the id's epoch on.
  vi.advanceTimersByTime(TIMEOUT_MS * 2);
  const second = await producer.begin();
  await second.send('t', [{ key: 'k', value: Buffer.from('two') }]);
  await second.commit();
  vi.useRealTimers();
  expect(await committedValues(messaging, 't')).toEqual(['one', 'two']);
});
