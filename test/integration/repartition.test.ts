import { afterAll, describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { InboundEvent, TicketStatusChange, Violation } from '../../src/domain/index.ts';
import {
  AvroSerde,
  DLQ_HEADERS,
  deadLetterTopic,
  partitionFor,
  subjectForTopic,
  type Messaging,
} from '../../src/messaging/index.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { REPARTITION_HEADERS } from '../../src/processor/repartition.ts';
import { repartitionTopic } from '../../src/topics/index.ts';
import { Bridge, crm, dept } from '../support/domain.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { awaitCount, readCommitted, readCommittedRaw, step, testConfig, testProcessor } from '../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

const PARTITIONS = 3;

const brief = (s: TicketStatusChange) => `v${s.version} ${s.crmStatus} ${s.lifecycleState}: ${s.statusNote}`;

/** Writes events where a foreign partitioner would have: at an explicit partition. */
async function sendAt(
  config: CloseloopConfig,
  m: Messaging,
  events: readonly InboundEvent[],
  partition: number,
): Promise<void> {
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  const producer = m.producer();
  await producer.connect();
  try {
    for (const e of events) {
      const topic = e.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      await producer.send(topic, [
        { key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value), partition },
      ]);
    }
  } finally {
    await producer.disconnect();
  }
}

const wrongFor = (key: string) => (partitionFor(key, PARTITIONS) + 1) % PARTITIONS;

async function counted(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.repartitioned.get()).values) out[String(v.labels.topic)] = v.value;
  return out;
}

describe('records on another partition than their key’s', () => {
  it('land where partitionFor says when closeloop’s producer picks the partition', async () => {
    const { config } = await testConfig(7);
    const topic = `${uniqueName('placement')}.t`;
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic, partitions: 7 }]);
    await admin.disconnect();
    const keys = Array.from({ length: 200 }, (_, i) => `SR-${config.processor.groupId}-${i}`);
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(
      topic,
      keys.map((key) => ({ key, value: Buffer.from('x') })),
    );
    await producer.disconnect();
    const records = await readCommittedRaw(messaging, topic);
    expect(records).toHaveLength(keys.length);
    const placed = records.map((r) => [r.key?.toString(), r.partition]);
    expect(placed).toEqual(records.map((r) => [r.key?.toString(), partitionFor(r.key ?? '', 7)]));
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('are forwarded once through the repartition topic and decided in order on their ticket’s task', async () => {
    const { config } = await testConfig(PARTITIONS);
    const metrics = new Metrics({ defaults: false });
    const processor = testProcessor(config, messaging, undefined, { metrics });
    running.push(processor);
    await processor.start();
    const expected = new Bridge(config.policy);

    // W1: OPENED on a wrong partition, its department events where closeloop would put them.
    const w1Opened = crm('W1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    expected.send(w1Opened);
    await sendAt(config, messaging, [w1Opened], wrongFor('W1'));
    await awaitCount(messaging, config.topics.status, expected.statuses.length);
    await step(config, messaging, expected, [
      dept('W1', 'W1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      dept('W1', 'W1#1', 'maximo', 'INPRG', 3, { department: 'transportation' }),
      dept('W1', 'W1#1', 'maximo', 'COMP', 4, { department: 'transportation' }),
    ]);

    // W2, the reverse: OPENED where it belongs, and every department event on one wrong partition.
    await step(config, messaging, expected, [crm('W2', 'OPENED', 1, { serviceCode: 'GRASS' })]);
    const w2Dept = [
      dept('W2', 'W2#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing' }),
      dept('W2', 'W2#1', 'posse', 'COMPLIED', 3, { department: 'housing' }),
    ];
    for (const e of w2Dept) expected.send(e);
    await sendAt(config, messaging, w2Dept, wrongFor('W2'));
    await awaitCount(messaging, config.topics.status, expected.statuses.length);

    // A record with no key cannot be placed on any ticket's partition.
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(config.topics.deptEvents, [{ key: null, value: Buffer.from('?'), headers: { trace: 'nk' } }]);
    await producer.disconnect();
    const dlqTopic = deadLetterTopic(config.topics.deptEvents);
    await awaitCount(messaging, dlqTopic, 1);

    await processor.stop();
    running.splice(running.indexOf(processor), 1);

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    for (const id of ['W1', 'W2']) {
      const mine = values.filter((s) => s.ticketId === id);
      expect(mine.map((s) => s.version)).toEqual(mine.map((_, i) => i + 1));
      expect(mine.at(-1)?.lifecycleState).toBe('RESOLVED');
      expect(mine.map(brief)).toEqual(expected.statuses.filter((s) => s.ticketId === id).map(brief));
    }
    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    expect(quarantine.values.filter((v) => v.kind === 'UNKNOWN_TICKET')).toEqual([]);

    const forwarded = [
      ...(await readCommittedRaw(messaging, repartitionTopic(config, 'crmEvents'))),
      ...(await readCommittedRaw(messaging, repartitionTopic(config, 'deptEvents'))),
    ];
    expect(
      forwarded.map((r) => [r.key?.toString(), r.partition, r.headers[REPARTITION_HEADERS.partition]?.toString()]),
    ).toEqual([
      ['W1', partitionFor('W1', PARTITIONS), String(wrongFor('W1'))],
      ['W2', partitionFor('W2', PARTITIONS), String(wrongFor('W2'))],
      ['W2', partitionFor('W2', PARTITIONS), String(wrongFor('W2'))],
    ]);
    expect(await counted(metrics)).toEqual({ [config.topics.crmEvents]: 1, [config.topics.deptEvents]: 2 });

    const dlq = await readCommittedRaw(messaging, dlqTopic);
    expect(dlq.map((r) => [r.key, r.headers[DLQ_HEADERS.code]?.toString(), r.headers['trace']?.toString()])).toEqual([
      [null, 'CL_RECORD_UNKEYED', 'nk'],
    ]);
  });
});
