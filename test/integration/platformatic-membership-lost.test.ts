import { Admin, consumerHeartbeatChannel, findErrorBy } from '@platformatic/kafka';
import { expect, it } from 'vitest';
import { gate } from '../support/gate.ts';
import { brokerSession, endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { until } from '../support/wait.ts';

// A member whose session ends without its knowing (a long pause) learns of it from its next
// heartbeat's answer; the client then joins again by itself. The group has dealt its partitions
// to others by then: from that answer on, the member must not handle a record of them, as the
// Java consumer's onPartitionsLost stops it. The broker is told to forget the member here, as
// an expired session makes it.
const messaging = testMessaging();
const { admin, consumer: newConsumer } = brokerSession(messaging);

it('handles no record of its old partitions once a heartbeat says its membership is over, until it has joined again', async () => {
  const topic = uniqueName('it.membership-lost');
  const groupId = uniqueName('it.membership-lost');
  await admin.ensureTopics([{ topic, partitions: 2 }]);
  const log: string[] = [];
  const handled: string[] = [];
  const held = gate();
  let holding = true;
  const start = async (name: string) => {
    const consumer = newConsumer({ groupId, batchesPerPartition: 1 });
    await consumer.connect();
    await consumer.subscribe([topic]);
    const assigned: number[][] = [];
    void consumer.run({
      eachBatch: async (batch) => {
        log.push(`${name} batch ${batch.partition}`);
        handled.push(...batch.records.map((r) => r.key?.toString() ?? ''));
        // The first batch of the first member is held: its partition's next records wait.
        if (name === 'a' && holding) {
          holding = false;
          await held.opened;
        }
      },
      onAssignment: (a) => {
        log.push(`${name} assigned`);
        assigned.push(a.flatMap((t) => [...t.partitions]));
      },
    });
    return { consumer, assigned };
  };
  const a = await start('a');
  await until('the first member assigned', () => a.assigned.length === 1);
  const b = await start('b');
  await until('both members assigned', () => a.assigned.length === 2 && b.assigned.length === 1);
  const [partition] = a.assigned[1] ?? [];
  if (partition === undefined) throw new Error('the first member was left no partition');

  const producer = messaging.producer();
  await producer.connect();
  const send = (key: string) => producer.send(topic, [{ key, value: Buffer.from(key), partition }]);
  await send('r1');
  await until('the first member holding its first batch', () => log.includes(`a batch ${partition}`));
  await send('r2');
  await send('r3');
  await producer.disconnect();

  const lost = (message: unknown) => {
    const { error } = message as { error?: Error };
    if (error && findErrorBy(error, 'apiId', 'UNKNOWN_MEMBER_ID')) log.push('a lost');
  };
  consumerHeartbeatChannel.error.subscribe(lost);
  const broker = new Admin({ clientId: uniqueName('it.remover'), bootstrapBrokers: [endpoints().brokers] });
  try {
    await broker.removeMembersFromConsumerGroup({ groupId, members: [{ memberId: a.consumer.membership().memberId }] });
    await until('the first member told its membership is over', () => log.includes('a lost'));
  } finally {
    await broker.close();
    consumerHeartbeatChannel.error.unsubscribe(lost);
    // Its batch done, the old code read the partition's next records at once.
    held.open();
  }
  const lostAt = log.indexOf('a lost');
  await until('the first member joined again', () => log.indexOf('a assigned', lostAt) !== -1);
  await until('every record handled', () => ['r2', 'r3'].every((k) => handled.includes(k)));
  const between = log.slice(lostAt + 1, log.indexOf('a assigned', lostAt));
  expect(between.filter((e) => e.startsWith('a batch'))).toEqual([]);
});
