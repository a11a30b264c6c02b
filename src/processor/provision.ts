import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, withRetry, type RetryPolicy } from '../errors/index.ts';
import { readSchemaFile, subjectForTopic, type AvroSerde, type MessagingAdmin } from '../messaging/index.ts';
import { CANONICAL, topicCatalogue } from '../topics/index.ts';

/**
 * New partitions get their leaders within seconds, longer on a busy broker that is electing
 * leaders for many topics at once: creation and the leader check get a budget of about 15 s,
 * longer than a request's default retries, before start-up fails.
 */
const LEADERSHIP_RETRY: RetryPolicy = { retries: 12, minTimeoutMs: 100, maxTimeoutMs: 2_000 };

/** Where an operator reads how to change the partition count; CL_TOPIC_MISMATCH points there. */
export const PARTITION_CHANGE_GUIDE = 'README, "Changing the partition count"';

/** The topics keyed by ticket id that must all have processor.partitions partitions. */
export function coPartitionedTopics(config: CloseloopConfig): string[] {
  return topicCatalogue(config)
    .filter((e) => e.coPartitioned)
    .map((e) => e.topic);
}

/**
 * CL_TOPIC_MISMATCH naming every co-partitioned topic whose count is not processor.partitions,
 * and what the operator does about it; null when every count matches. Kafka adds partitions but
 * never removes them, so the way out is always up: every topic at one count, the config with it.
 */
export function partitionMismatch(config: CloseloopConfig, counts: ReadonlyMap<string, number>): CloseloopError | null {
  const { partitions, groupId } = config.processor;
  const odd = [...counts].filter(([, n]) => n !== partitions);
  if (odd.length === 0) return null;
  return new CloseloopError(
    'CL_TOPIC_MISMATCH',
    `co-partitioned topics must all have processor.partitions (${partitions}) partitions: ` +
      `${odd.map(([t, n]) => `${t} has ${n}`).join(', ')}. Stop every processor of group ${groupId}, ` +
      'grow every co-partitioned topic to one count, set processor.partitions to it and start again: ' +
      `the start moves each ticket's state to its new partition (${PARTITION_CHANGE_GUIDE})`,
    { details: { partitions, topics: Object.fromEntries(odd) } },
  );
}

/**
 * Creates every topic of the catalogue where missing (so no stage ever writes to a topic that
 * does not exist) and checks the co-partitioned ones have the inputs' partition count.
 */
export async function provisionTopics(admin: MessagingAdmin, config: CloseloopConfig): Promise<void> {
  const catalogue = topicCatalogue(config);
  // A broker that has only just started may not lead the new partitions yet; creation is idempotent.
  await withRetry(() => admin.ensureTopics(catalogue.map((e) => e.spec)), LEADERSHIP_RETRY);
  // Fresh topics take a moment to get leaders; that is retriable, not a failure.
  const counts = await Promise.all(
    coPartitionedTopics(config).map(
      async (t) => [t, (await withRetry(() => admin.topicOffsets(t), LEADERSHIP_RETRY)).length] as const,
    ),
  );
  const mismatch = partitionMismatch(config, new Map(counts));
  if (mismatch) throw mismatch;
}

/** Registers each topic's shipped schema under its TopicNameStrategy subject. */
export async function registerSchemas(serde: AvroSerde, config: CloseloopConfig, schemasDir: string): Promise<void> {
  for (const [name, canonical] of Object.entries(CANONICAL) as [keyof typeof CANONICAL, string][]) {
    const file = await readSchemaFile(path.join(schemasDir, `${canonical}.avsc`));
    await serde.register(subjectForTopic(config.topics[name]), file.schema);
  }
}
