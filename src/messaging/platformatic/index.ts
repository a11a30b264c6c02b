import {
  Admin,
  ConnectionPool,
  Consumer,
  FindCoordinatorKeyTypes,
  findErrorBy,
  Producer,
  type BaseOptions,
} from '@platformatic/kafka';
import type { KafkaSettings } from '../settings.ts';
import { HealthTracker } from '../consumer-health.ts';
import type { Messaging } from '../types.ts';
import { PlatformaticAdmin } from './admin.ts';
import { CO_PARTITIONED_PROTOCOL, coPartitionedAssigner, OwnedPartitions } from './co-partitioned-assigner.ts';
import { PlatformaticConsumer } from './consumer.ts';
import { guarded } from './errors.ts';
import { groupTimings } from './group-timing.ts';
import { javaPartitioner, PlatformaticProducer } from './producer.ts';
import { PlatformaticTransactionalProducer } from './transactional-producer.ts';

/**
 * Backoff between the client's own attempts inside one call, kafkajs-like: 300 ms doubling to 5 s.
 * Two answers mean "a transaction's markers are still being written", a matter of milliseconds,
 * and are asked again sooner:
 * - CONCURRENT_TRANSACTIONS: a transaction begun right after the previous one committed meets
 *   it. Java's producer tries again after 20 ms there (KAFKA-5477); 300 ms would idle every task
 *   between back-to-back transactions. 20 ms doubling to 1 s. Shorter (1 ms, then 4, 20...) made
 *   back-to-back transactions 3.8 ms instead of 25 but the full path at 1,000 events/s slower:
 *   under load the wait is what gathers a task's batches into fewer transactions (see the
 *   README, Performance, and docs/performance.md).
 * - UNSTABLE_OFFSET_COMMIT: a stable read of a group's offsets (groupOffsets) meets offsets a
 *   transaction has sent but not yet ended (KIP-447). 300 ms made such a read late by up to
 *   300 ms; the bench's idle check saw a CRM phase end 210–280 ms after its last commit. 20 ms,
 *   then 100 ms, then back to the long waits: a transaction still open after that (its producer
 *   stalled, or gone until the coordinator times it out) is waited for as patiently as before,
 *   about 8 s over the default five retries. Under a steady transactional load a read of a
 *   whole topic meets one transaction after another and can reach those long waits too; callers
 *   that only watch (the lag gauge, the bench's clocks) read with `stable: false` instead.
 */
const UNSTABLE_OFFSETS_WAITS = [20, 100, 500, 2_500];

export const retryDelay = (_client: unknown, _op: string, attempt: number, _retries?: number, error?: unknown) => {
  if (error instanceof Error && findErrorBy(error, 'apiId', 'CONCURRENT_TRANSACTIONS'))
    return Math.min(20 * 2 ** (attempt - 1), 1_000);
  if (error instanceof Error && findErrorBy(error, 'apiId', 'UNSTABLE_OFFSET_COMMIT'))
    return UNSTABLE_OFFSETS_WAITS[attempt - 1] ?? 5_000;
  return Math.min(300 * 2 ** (attempt - 1), 5_000);
};

/** The messaging port on @platformatic/kafka. */
export function createKafkaMessaging(settings: KafkaSettings): Messaging {
  const log = settings.logger.child({ component: 'platformatic-kafka' });
  const base = (suffix: string): BaseOptions => ({
    clientId: `${settings.clientId}-${suffix}`,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: settings.connectionTimeoutMs ?? 3_000,
    timeout: settings.requestTimeoutMs ?? 30_000,
    retries: settings.retries ?? 5,
    retryDelay,
    autocreateTopics: false,
  });
  // InitProducerId must say "no producer yet" (-1, -1). The client sends 0 and 0 unless told, which
  // the broker takes for an older epoch of the id's current producer: a second process, or a
  // replacement producer after a failed commit, would be refused as fenced for good.
  const fresh = { producerId: -1n, producerEpoch: -1 };
  // A transaction's offsets go to the coordinator of the consumer group; live consumers of this
  // process know theirs, else one short-lived admin call finds it.
  const consumers = new Map<string, Consumer>();
  const coordinators = new Map<string, number>();
  const coordinatorOf = async (groupId: string, options: { fresh?: boolean } = {}): Promise<number> => {
    const known = options.fresh ? undefined : (consumers.get(groupId)?.coordinatorId ?? coordinators.get(groupId));
    if (known !== undefined && known !== null) return known;
    const admin = new Admin(base('coordinator'));
    try {
      const [found] = await guarded(`finding the coordinator of group ${groupId}`, () =>
        admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }),
      );
      if (!found) throw new Error(`no coordinator for group ${groupId}`);
      coordinators.set(groupId, found.nodeId);
      return found.nodeId;
    } finally {
      await admin.close().catch(() => undefined);
    }
  };
  return {
    admin: () =>
      new PlatformaticAdmin(
        new Admin(base('admin')),
        settings.brokers,
        (settings.connectionTimeoutMs ?? 3_000) + (settings.requestTimeoutMs ?? 30_000),
      ),
    producer: (options = {}) =>
      new PlatformaticProducer(
        new Producer({
          ...base('producer'),
          ...fresh,
          idempotent: options.idempotent ?? true,
          partitioner: javaPartitioner(),
        }),
      ),
    transactionalProducer: (transactionalId) =>
      new PlatformaticTransactionalProducer(
        new Producer({
          ...base('tx'),
          ...fresh,
          idempotent: true,
          transactionalId,
          partitioner: javaPartitioner(),
          // Transactions ride out a broker restart, as kafkajs's unlimited retries did; the
          // transaction timeout (the request timeout, as this client sends it) still bounds how
          // long a stuck one holds its partitions.
          retries: Number.MAX_SAFE_INTEGER,
        }),
        coordinatorOf,
      ),
    consumer: (options) => {
      const owned = new OwnedPartitions();
      const consumer = new Consumer({
        ...base('consumer'),
        groupId: options.groupId,
        autocommit: false,
        ...groupTimings(options.sessionTimeoutMs),
        ...(options.coPartitioned
          ? {
              protocols: [{ name: CO_PARTITIONED_PROTOCOL, version: 0 }],
              partitionAssigner: coPartitionedAssigner,
              protocolsMetadata: owned.metadata,
            }
          : {}),
      });
      if (options.coPartitioned) owned.track(consumer);
      consumers.set(options.groupId, consumer);
      consumer.once('client:close', () => {
        if (consumers.get(options.groupId) === consumer) consumers.delete(options.groupId);
      });
      // Fetches get their own connections, so a long poll never delays a heartbeat.
      const pool = new ConnectionPool(`${settings.clientId}-fetch`, {
        connectTimeout: settings.connectionTimeoutMs ?? 3_000,
      });
      return new PlatformaticConsumer(
        consumer,
        pool,
        // The group's offsets read stable (see positions.ts); it connects at the first assignment.
        new Admin(base('offsets')),
        log.child({ groupId: options.groupId }),
        { partitionsConcurrently: options.partitionsConcurrently, batchesPerPartition: options.batchesPerPartition },
        new HealthTracker(options.failingAfterMs),
      );
    },
  };
}
