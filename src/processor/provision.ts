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

/**
 * Creates every topic of the catalogue where missing (so no stage ever writes to a topic that
 * does not exist) and checks the co-partitioned ones have the inputs' partition count.
 */
export async function provisionTopics(admin: MessagingAdmin, config: CloseloopConfig): Promise<void> {
  const { processor } = config;
  const catalogue = topicCatalogue(config);
  // A broker that has only just started may not lead the new partitions yet; creation is idempotent.
  await withRetry(() => admin.ensureTopics(catalogue.map((e) => e.spec)), LEADERSHIP_RETRY);
  // Fresh topics take a moment to get leaders; that is retriable, not a failure.
  const counts = await Promise.all(
    catalogue
      .filter((e) => e.coPartitioned)
      .map(
        async (e) => [e.topic, (await withRetry(() => admin.topicOffsets(e.topic), LEADERSHIP_RETRY)).length] as const,
      ),
  );
  const odd = counts.filter(([, n]) => n !== processor.partitions);
  if (odd.length > 0) {
    throw new CloseloopError(
      'CL_TOPIC_MISMATCH',
      `topics must all have ${processor.partitions} partitions to be co-partitioned: ${odd.map(([t, n]) => `${t} has ${n}`).join(', ')}`,
    );
  }
}

/** Registers each topic's shipped schema under its TopicNameStrategy subject. */
export async function registerSchemas(serde: AvroSerde, config: CloseloopConfig, schemasDir: string): Promise<void> {
  for (const [name, canonical] of Object.entries(CANONICAL) as [keyof typeof CANONICAL, string][]) {
    const file = await readSchemaFile(path.join(schemasDir, `${canonical}.avsc`));
    await serde.register(subjectForTopic(config.topics[name]), file.schema);
  }
}
