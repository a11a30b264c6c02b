import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  createKafkaMessaging,
  type ConsumerOptions,
  type IncomingRecord,
  type MessageConsumer,
  type Messaging,
  type MessagingAdmin,
} from '../../src/messaging/index.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';

export function endpoints(): { brokers: string; registryUrl: string } {
  return { brokers: inject('kafkaBrokers'), registryUrl: inject('schemaRegistryUrl') };
}

/** Topic, subject and group names unique to one test, so tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 12)}`;
}

/**
 * `logger` for a test that reads what the adapter logs; silent by default. `requestTimeoutMs` is
 * also the transaction timeout its producers ask for.
 */
export function testMessaging(
  clientId = uniqueName('test'),
  logger?: Logger,
  options: { requestTimeoutMs?: number } = {},
): Messaging {
  return createKafkaMessaging({
    brokers: [endpoints().brokers],
    clientId,
    // The adapter logs retried group and fetch hiccups as warnings; set LOG_LEVEL to see them.
    logger: logger ?? createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    ...options,
  });
}

/** A test file's admin on the real broker, and a maker of consumers that are closed with it. */
export interface BrokerSession {
  readonly admin: MessagingAdmin;
  consumer(options: ConsumerOptions): MessageConsumer;
}

/**
 * Called at the top of a test file: the admin connects before its tests, and it and every
 * consumer made through the session disconnect after them, whatever a test left running.
 */
export function brokerSession(messaging: Messaging): BrokerSession {
  const admin = messaging.admin();
  const consumers: MessageConsumer[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await admin.disconnect();
  });
  return {
    admin,
    consumer(options) {
      const consumer = messaging.consumer(options);
      consumers.push(consumer);
      return consumer;
    },
  };
}

/**
 * Reads `topic` from the beginning with a fresh group until `count` records arrived; rejects
 * with what it has after timeoutMs. Reads committed data only, like every consumer here.
 */
export async function consumeUntil(
  messaging: Messaging,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<IncomingRecord[]> {
  const consumer = messaging.consumer({ groupId: uniqueName('reader') });
  const got: IncomingRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe([topic], { fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} records on ${topic}, got ${got.length} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async (batch) => {
            got.push(...batch.records);
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/**
 * Adds partitions to existing topics, up to `count` each, as an operator's
 * `kafka-topics.sh --alter --partitions` does.
 */
export async function growTopics(topics: readonly string[], count: number): Promise<void> {
  const admin = testMessaging().admin();
  await admin.connect();
  try {
    await admin.addPartitions(topics, count);
  } finally {
    await admin.disconnect();
  }
}
