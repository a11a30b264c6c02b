import { Kafka, Partitioners, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import { CoPartitionedAssigner } from './co-partitioned-assigner.ts';
import { KafkaJsAdmin } from './kafkajs-admin.ts';
import { KafkaJsConsumer } from './kafkajs-consumer.ts';
import { KafkaJsProducer, KafkaJsTransactionalProducer } from './kafkajs-producer.ts';
import type { KafkaSettings } from './settings.ts';
import type { Messaging } from './types.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

// Transactions need unlimited retries (kafkajs warns otherwise); the transaction timeout still
// bounds how long a stuck transaction can hold its partitions. Plain producers keep the client's
// limit, so a send to a missing topic fails instead of hanging; consumers de-duplicate by eventId.
const EOS_RETRY = { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 };

export function createKafkaJsMessaging(settings: KafkaSettings): Messaging {
  const log = settings.logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    retry: { retries: settings.retries ?? 5 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info'](rest, message);
      },
  });
  return {
    admin: () => new KafkaJsAdmin(kafka.admin()),
    producer: (options = {}) =>
      new KafkaJsProducer(
        kafka.producer({
          // Java-compatible murmur2 partitioning, so keys land where other Kafka clients put them.
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
          idempotent: options.idempotent ?? true,
        }),
      ),
    transactionalProducer: (transactionalId) =>
      new KafkaJsTransactionalProducer(
        kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
          transactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          retry: EOS_RETRY,
        }),
      ),
    consumer: (options) =>
      new KafkaJsConsumer(
        kafka.consumer({
          groupId: options.groupId,
          ...(options.coPartitioned ? { partitionAssigners: [CoPartitionedAssigner] } : {}),
          sessionTimeout: options.sessionTimeoutMs ?? 30_000,
          // kafkajs heartbeats from its fetch loop, so an idle fetch must return well within the
          // session timeout or a quiet member is taken for dead.
          heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 5)),
          maxWaitTimeInMs: 1_000,
          readUncommitted: false,
          allowAutoTopicCreation: false,
        }),
        options.partitionsConcurrently,
      ),
  };
}
