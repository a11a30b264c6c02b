import path from 'node:path';
import avro from 'avsc';
import type { CloseloopConfig } from '../config/index.ts';
import type { CrmTicketEvent, WorkOrderEvent } from '../domain/types.ts';
import { CloseloopError } from '../errors/index.ts';
import {
  AvroSerde,
  createKafkaMessaging,
  HEADER_LENGTH,
  readSchemaFile,
  recordBytes,
  subjectForTopic,
  type OutgoingRecord,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { provisionTopics } from '../processor/provision.ts';
import { CANONICAL } from '../topics/index.ts';

export interface ImportPublisher {
  /** The event encoded and keyed for the CRM events topic. */
  prepare(event: CrmTicketEvent): Promise<OutgoingRecord>;
  bytes(record: OutgoingRecord): number;
  send(records: readonly OutgoingRecord[]): Promise<void>;
  /** Work-order observations for go-live adoption, to the department events topic. */
  publishWorkOrders(events: readonly WorkOrderEvent[]): Promise<void>;
  /**
   * Resolves once the processor's consumer group has read the CRM events topic up to its end
   * as it is now, so every imported ticket exists in the bridge; throws after timeoutMs.
   */
  processorCaughtUp(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A dry run's measure of each event as the publisher would write it, with no registry: the
 * events schema read from its file, in the same wire format (a 5-byte header, then Avro).
 */
export async function dryRunMeasure(schemasDir: string): Promise<(event: CrmTicketEvent) => number> {
  const { schema } = await readSchemaFile(path.join(schemasDir, `${CANONICAL.crmEvents}.avsc`));
  const type = avro.Type.forSchema(schema as avro.Schema);
  return (e) => Buffer.byteLength(e.ticketId) + HEADER_LENGTH + type.toBuffer(e).length;
}

/**
 * Publishes imported events to the CRM events topic, keyed by ticket id like the CRM connector's,
 * so they land on the ticket's partition in file order. The producer is idempotent, so a retried
 * send is written once; an import run again (or restarted after a crash) writes the same event
 * ids, which the processor recognises and passes over.
 */
export async function kafkaPublisher(
  config: CloseloopConfig,
  logger: Logger,
  schemasDir: string,
): Promise<ImportPublisher> {
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-import`,
    logger,
  });
  const serde = new AvroSerde({ ...config.schemaRegistry, log: logger });
  const topic = config.topics.crmEvents;
  const subject = subjectForTopic(topic);
  const admin = messaging.admin();
  await admin.connect();
  await provisionTopics(admin, config);
  // The import writes the events schema's newest version (RESOLVED and department are in it).
  await serde.register(subject, (await readSchemaFile(path.join(schemasDir, `${CANONICAL.crmEvents}.avsc`))).schema);
  const producer = messaging.producer({ idempotent: true });
  await producer.connect();
  const deptSubject = subjectForTopic(config.topics.deptEvents);
  return {
    async prepare(e) {
      return { key: e.ticketId, value: await serde.encode(subject, e) };
    },
    bytes: recordBytes,
    async send(records) {
      await producer.send(topic, records);
    },
    async publishWorkOrders(events) {
      const records = await Promise.all(
        events.map(async (e) => ({ key: e.ticketId, value: await serde.encode(deptSubject, e) })),
      );
      if (records.length > 0) await producer.send(config.topics.deptEvents, records);
    },
    async processorCaughtUp(timeoutMs) {
      // Events of two topics are not ordered against each other: an adopted work order read
      // before its ticket would be a work order of an unknown ticket, so it waits for the ticket.
      const ends = await admin.topicOffsets(topic);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Not a stable read: the processor is busy committing these very tickets, and a stable
        // read waits for its transactions one after another and fails after the client's retries.
        const read = await admin.groupOffsets(config.processor.groupId, topic, { stable: false });
        const committed = (p: number) => BigInt(read.find((r) => r.partition === p)?.offset ?? '-1');
        const behind = ends.filter((e) => BigInt(e.high) > BigInt(e.low) && committed(e.partition) < BigInt(e.high));
        if (behind.length === 0) return;
        if (Date.now() > deadline) {
          throw new CloseloopError(
            'CL_ADOPTION_UNCONFIRMED',
            `the processor (group ${config.processor.groupId}) has not read the imported tickets after ${timeoutMs} ms; ` +
              'no work order was adopted. Run the worker and import again: nothing is imported twice',
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
