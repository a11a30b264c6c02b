import { afterEach, expect, it, vi } from 'vitest';
import { createInMemoryMessaging, readToEnd, type Messaging } from '../../src/messaging/index.ts';
import { rejection } from '../conformance/messaging-context.ts';

// On the real broker the same case is test/integration/platformatic-transaction-timeout.test.ts;
// there it waits for the coordinator's sweep, here the broker's timer is advanced.
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

it('aborts a transaction that wrote and then stayed open past its timeout, fencing its producer; a new producer goes on', async () => {
  const messaging = await setup();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const held = messaging.transactionalProducer('id');
  const tx = await held.begin();
  await tx.send('t', [{ key: 'k', value: Buffer.from('held') }]);
  vi.advanceTimersByTime(TIMEOUT_MS);
  vi.useRealTimers();

  const refused = await rejection(tx.commit());
  expect([refused.code, refused.retriable]).toEqual(['CL_KAFKA_FENCED', false]);
  expect((await rejection(held.begin())).code).toBe('CL_KAFKA_FENCED');

  const next = messaging.transactionalProducer('id');
  const after = await next.begin();
  await after.send('t', [{ key: 'k', value: Buffer.from('after') }]);
  await after.commit();
  expect(await committedValues(messaging, 't')).toEqual(['after']);
});

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
