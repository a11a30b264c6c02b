import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import type { CrmTicketEvent } from '../domain/types.ts';
import { AvroSerde, createKafkaMessaging, readSchemaFile, subjectForTopic } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { provisionTopics } from '../processor/provision.ts';
import { CANONICAL } from '../topics/index.ts';

export interface ImportPublisher {
  publish(events: readonly CrmTicketEvent[]): Promise<void>;
  close(): Promise<void>;
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
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const topic = config.topics.crmEvents;
  const subject = subjectForTopic(topic);
  const admin = messaging.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
  // The import writes the events schema's newest version (RESOLVED and department are in it).
  await serde.register(subject, (await readSchemaFile(path.join(schemasDir, `${CANONICAL.crmEvents}.avsc`))).schema);
  const producer = messaging.producer({ idempotent: true });
  await producer.connect();
  return {
    async publish(events) {
      const records = await Promise.all(
        events.map(async (e) => ({ key: e.ticketId, value: await serde.encode(subject, e) })),
      );
      await producer.send(topic, records);
    },
    close: () => producer.disconnect(),
  };
}
