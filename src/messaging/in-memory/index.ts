import type { Logger } from '../../observability/logger.ts';
import { FETCH_PARTITION_MAX_BYTES } from '../chunk.ts';
import { HealthTracker } from '../consumer-health.ts';
import type { Messaging } from '../types.ts';
import { InMemoryAdmin } from './admin.ts';
import { Cluster } from './cluster.ts';
import { InMemoryConsumer } from './consumer.ts';
import { InMemoryProducer, InMemoryTransactionalProducer } from './producer.ts';

export interface InMemoryMessagingOptions {
  /** Record timestamps (default Date.now). */
  readonly clock?: () => number;
  /**
   * Log entries one fetched batch covers at most (default: no limit but the bytes, as on Kafka,
   * whose fetches are bounded by size only). Tests set it to see records in small batches.
   */
  readonly maxBatchEntries?: number;
  /**
   * Bytes of a partition's records one fetched batch carries at most, the first record whatever
   * its size (default 1 MiB, what the Kafka adapter asks a partition for in one fetch).
   */
  readonly maxBatchBytes?: number;
  /**
   * How long a partition whose batch handler threw rests before it is read again, and a failed
   * assignment before it is tried again (default 100 ms).
   */
  readonly rewindDelayMs?: number;
  /**
   * How long a stable read of group offsets waits for the open transactions that hold newer ones
   * before it fails (default 8 s, as the Kafka adapter's client retries).
   */
  readonly stableOffsetsWaitMs?: number;
  /**
   * How long a transaction may stay open once it has written something before the broker aborts
   * it and fences its producer (default 30 s, the timeout the Kafka adapter sends: its request
   * timeout).
   */
  readonly transactionTimeoutMs?: number;
  /** Where consumers log what they must not keep quiet (records skipped), as the Kafka adapter does. */
  readonly logger?: Logger;
}

/**
 * A Messaging with its own broker in memory, for tests that need Kafka's semantics but no
 * broker: murmur2 partitioning, consumer groups with committed offsets and eager rebalances, a
 * failed batch's partition read again from its committed offset, read_committed transactions
 * with markers that take offsets, fencing by transactional id.
 * Each call makes a separate cluster; everything made from one Messaging shares it.
 */
export function createInMemoryMessaging(options: InMemoryMessagingOptions = {}): Messaging {
  const cluster = new Cluster(options.clock ?? Date.now, options.transactionTimeoutMs ?? 30_000);
  return {
    admin: () => new InMemoryAdmin(cluster, options.stableOffsetsWaitMs ?? 8_000),
    producer: () => new InMemoryProducer(cluster),
    transactionalProducer: (transactionalId) => new InMemoryTransactionalProducer(cluster, transactionalId),
    consumer: (o) =>
      new InMemoryConsumer(cluster, {
        groupId: o.groupId,
        ...(o.coPartitioned !== undefined ? { coPartitioned: o.coPartitioned } : {}),
        ...(o.partitionsConcurrently !== undefined ? { partitionsConcurrently: o.partitionsConcurrently } : {}),
        ...(o.batchesPerPartition !== undefined ? { batchesPerPartition: o.batchesPerPartition } : {}),
        maxBatchEntries: options.maxBatchEntries ?? Number.POSITIVE_INFINITY,
        maxBatchBytes: options.maxBatchBytes ?? FETCH_PARTITION_MAX_BYTES,
        rewindDelayMs: options.rewindDelayMs ?? 100,
        health: new HealthTracker(o.failingAfterMs, options.clock ?? Date.now),
        ...(options.logger
          ? { logger: options.logger.child({ component: 'in-memory-kafka', groupId: o.groupId }) }
          : {}),
      }),
  };
}
