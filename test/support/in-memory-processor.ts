import path from 'node:path';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { InboundEvent, TicketStatusChange } from '../../src/domain/index.ts';
import {
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type AvroSerde,
  type IncomingRecord,
  type MessageProducer,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
} from '../../src/messaging/index.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { LifecycleProcessor, type failAfterCommit } from '../../src/processor/index.ts';
import type { Cleanup } from './cleanup.ts';
import { Bridge } from './domain.ts';
import { startLoopback } from './loopback-registry.ts';
import { SCHEMAS, testConfig } from './processor.ts';
import { untilAsync } from './wait.ts';

/** A loopback registry and a test config of `partitions` for the in-memory messaging, torn down by `cleanup`. */
export async function inMemorySetup(cleanup: Cleanup, partitions: number) {
  const { url, serde } = await startLoopback(cleanup);
  const { config } = await testConfig(partitions, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  return { serde, config, expected: new Bridge(config.policy) };
}

/** A processor on `messaging`, started and stopped by `cleanup`; resolves with it and its first assignment. */
export async function inMemoryProcessor(
  cleanup: Cleanup,
  o: Awaited<ReturnType<typeof inMemorySetup>> & {
    messaging: Messaging;
    commitHook?: ReturnType<typeof failAfterCommit>;
    /** Where it logs; nowhere (LOG_LEVEL aside) by default. */
    logger?: Logger;
  },
) {
  const processor = new LifecycleProcessor({
    config: o.config,
    messaging: o.messaging,
    serde: o.serde,
    logger: o.logger ?? createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    schemasDir: SCHEMAS,
    clock: () => o.expected.now,
    ...(o.commitHook ? { commitHook: o.commitHook } : {}),
  });
  const assigned = processor.nextAssignment();
  await processor.start();
  cleanup.push(() => processor.stop());
  return { processor, assigned: await assigned };
}

/** A topic's shipped schema, cloned, for a test to change. */
export async function shippedSchema(topic: string) {
  const file = await readSchemaFile(path.join(SCHEMAS, `${topic}.avsc`));
  return structuredClone(file.schema) as { fields: { name: string; type: unknown }[] };
}

/** A topic's shipped schema (the CRM's by default) with `field`'s type replaced. */
export async function schemaWith(field: string, type: unknown, topic: string = CANONICAL.crmEvents) {
  const schema = await shippedSchema(topic);
  const f = schema.fields.find((x) => x.name === field);
  if (!f) throw new Error(`no field ${field} in ${topic}`);
  f.type = type;
  return schema;
}

/** Sends the events as one batch to their CRM topic, each encoded by `serde`; returns the records. */
export async function sendCrm(
  messaging: Messaging,
  serde: AvroSerde,
  config: CloseloopConfig,
  events: readonly InboundEvent[],
): Promise<OutgoingRecord[]> {
  const subject = subjectForTopic(config.topics.crmEvents);
  const records: OutgoingRecord[] = [];
  for (const e of events) records.push({ key: e.event.ticketId, value: await serde.encode(subject, e.event) });
  await messaging.producer().send(config.topics.crmEvents, records);
  return records;
}

/** Waits until the processor's group has committed `offset` on partition 0 of the CRM topic. */
export function untilCrmRead(messaging: Messaging, config: CloseloopConfig, offset: number): Promise<void> {
  const admin = messaging.admin();
  return untilAsync(`the processor through ${offset} records`, async () => {
    const read = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
    return read.find((o) => o.partition === 0)?.offset === String(offset);
  });
}

/** Every record of `topic`'s dead-letter topic. */
export async function deadLettersOf(messaging: Messaging, topic: string): Promise<IncomingRecord[]> {
  const dead: IncomingRecord[] = [];
  await readToEnd(messaging, messaging.admin(), deadLetterTopic(topic), 'all', (r) => void dead.push(r));
  return dead;
}

/** The statuses written, each as `ticket vN CRM-STATUS STATE`, in order. */
export async function statusBriefs(messaging: Messaging, serde: AvroSerde, config: CloseloopConfig) {
  const statuses: TicketStatusChange[] = [];
  await readToEnd(messaging, messaging.admin(), config.topics.status, 'all', async (r) => {
    statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
  });
  return statuses.map(statusBrief);
}

export const statusBrief = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;

/** Sends each event, encoded, to its input topic, one record per send, noting it in `expected`. */
export async function sendEach(
  producer: MessageProducer,
  base: Awaited<ReturnType<typeof inMemorySetup>>,
  events: readonly InboundEvent[],
): Promise<void> {
  const { config, serde, expected } = base;
  for (const e of events) {
    expected.send(e);
    const topic = e.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
    const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
    await producer.send(topic, [{ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) }]);
  }
}

/** Read means committed up to the end, on the partitions of the inputs that hold anything. */
export async function untilInputsRead(admin: MessagingAdmin, config: CloseloopConfig): Promise<void> {
  for (const topic of [config.topics.crmEvents, config.topics.deptEvents]) {
    const ends = (await admin.topicOffsets(topic)).filter((e) => e.high !== '0');
    await untilAsync(`the processor to read ${topic}`, async () => {
      const read = await admin.groupOffsets(config.processor.groupId, topic);
      return ends.every((e) => read.find((r) => r.partition === e.partition)?.offset === e.high);
    });
  }
}
