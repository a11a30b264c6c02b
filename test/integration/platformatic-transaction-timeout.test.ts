import { describeTransactionsV0 } from '@platformatic/kafka';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaMessaging, type MessagingAdmin } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { rejection } from '../conformance/messaging-context.ts';
import { endpoints, uniqueName } from '../support/kafka.ts';
import { readCommittedRaw } from '../support/processor.ts';
import { KafkaWire } from '../support/platformatic-wire.ts';
import { untilAsync, within } from '../support/wait.ts';

// A transaction held open past its timeout (a process paused, a broker away for longer than the
// timeout mid-commit) is aborted by its coordinator, which bumps the id's epoch. The producer
// that held it must hear of that as a fence, at once and for good, not retry its commit: the
// processor then makes a new producer and claims the id again (Task.commit, refreshIfStale).
// Nothing of the transaction is ever read. The timeout is the request timeout, as the adapter
// sends it; 2 s here, so the coordinator's next sweep (every 10 s by default) aborts it.
const TIMEOUT_MS = 2_000;
const messaging = createKafkaMessaging({
  brokers: [endpoints().brokers],
  clientId: uniqueName('it.txn-timeout'),
  logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
  requestTimeoutMs: TIMEOUT_MS,
});
const wire = new KafkaWire();
let admin: MessagingAdmin;

beforeAll(async () => {
  admin = messaging.admin();
  await admin.connect();
});

afterAll(async () => {
  await wire.close();
  await admin.disconnect();
});

it('fails the commit of a transaction its coordinator aborted for its timeout as fenced, and a new producer with the id goes on', async () => {
  const topic = uniqueName('it.txn-timeout');
  await admin.ensureTopics([{ topic, partitions: 1 }]);
  const id = uniqueName('it.txn-timeout-id');
  const held = messaging.transactionalProducer(id);
  await held.connect();
  const tx = await held.begin();
  await tx.send(topic, [{ key: 'k', value: Buffer.from('held past its timeout') }]);

  const coordinator = await wire.coordinator('transaction', id);
  const state = async () => {
    const { transactionStates } = await describeTransactionsV0.api.async(coordinator, [id]);
    return transactionStates[0]?.transactionState;
  };
  expect(await state()).toBe('Ongoing');
  await untilAsync('the coordinator aborting the transaction', async () => (await state()) !== 'Ongoing', 30_000);

  const refused = await within('the commit of the aborted transaction', 20_000, rejection(tx.commit()));
  expect([refused.code, refused.retriable]).toEqual(['CL_KAFKA_FENCED', false]);
  // The broker's words name a newer producer only; there is none here.
  expect(refused.message).toContain('or the broker aborted a transaction that outlived its timeout');
  await tx.abort().catch(() => undefined);
  await held.disconnect();

  const next = messaging.transactionalProducer(id);
  await next.connect();
  try {
    await next.fence();
    const after = await next.begin();
    await after.send(topic, [{ key: 'k', value: Buffer.from('after') }]);
    await after.commit();
  } finally {
    await next.disconnect();
  }
  const read = await readCommittedRaw(messaging, topic);
  expect(read.map((r) => r.value?.toString())).toEqual(['after']);
}, 60_000);
