import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, withRetry } from '../errors/index.ts';
import { readSchemaFile, subjectForTopic, type AvroSerde, type MessagingAdmin } from '../messaging/index.ts';
import { CANONICAL, topicSpecs } from './topics.ts';

/** Creates the bridge's topics where missing and checks they are co-partitioned. */
export async function provisionTopics(admin: MessagingAdmin, config: CloseloopConfig): Promise<void> {
  const { topics, processor } = config;
  const specs = topicSpecs(topics, processor.partitions);
  // A broker that has only just started may not lead the new partitions yet; creation is idempotent.
  await withRetry(() => admin.ensureTopics(specs));
  // Fresh topics take a moment to get leaders; that is retriable, not a failure.
  const counts = await Promise.all(
    specs.map(async (s) => [s.topic, (await withRetry(() => admin.topicOffsets(s.topic))).length] as const),
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
