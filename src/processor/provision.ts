import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, isCloseloopError, withRetry, type RetryPolicy } from '../errors/index.ts';
import {
  readSchemaFile,
  subjectForTopic,
  type AvroSerde,
  type MessagingAdmin,
  type RegisterOptions,
} from '../messaging/index.ts';
import {
  CANONICAL,
  KEEPING_SETTINGS,
  keepingOf,
  keepingShortfall,
  topicCatalogue,
  type CatalogueEntry,
  type KeepingShortfall,
} from '../topics/index.ts';

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

/** Where an operator reads what each topic keeps; CL_TOPIC_SETTINGS points there. */
export const TOPIC_SETTINGS_GUIDE = 'README, "Topics and schemas"';

/**
 * CL_TOPIC_SETTINGS naming every topic whose settings would delete what closeloop keeps for
 * good, what each loses, and the command that mends it; null when none would.
 */
export function keepingMismatch(
  shortfalls: readonly KeepingShortfall[],
  brokers: readonly string[],
): CloseloopError | null {
  if (shortfalls.length === 0) return null;
  const each = shortfalls.map((s) => `${s.topic} (${s.origin}): ${s.problems.join('; ')}`);
  const commands = shortfalls.map(
    (s) =>
      `kafka-configs.sh --bootstrap-server ${brokers.join(',')} --alter --entity-type topics --entity-name ${s.topic} --add-config ${s.fix}`,
  );
  return new CloseloopError(
    'CL_TOPIC_SETTINGS',
    `topics that closeloop keeps for good would lose records: ${each.join('. ')}. ` +
      `Alter them and start again (${TOPIC_SETTINGS_GUIDE}): ${commands.join(' ; ')}`,
    { details: { topics: Object.fromEntries(shortfalls.map((s) => [s.topic, { problems: s.problems, fix: s.fix }])) } },
  );
}

/** The broker's refusal of a request the client's principal has no ACL for. */
function unauthorized(err: unknown): boolean {
  const apiErrors = isCloseloopError(err) ? err.details['kafkaApiErrors'] : undefined;
  return Array.isArray(apiErrors) && apiErrors.some((e) => String(e).endsWith('_AUTHORIZATION_FAILED'));
}

/**
 * CL_TOPIC_SETTINGS for topics whose settings the broker would not show: on a secured cluster,
 * the usual producer and consumer ACLs do not include DescribeConfigs. Started without the
 * check, a changelog under the default policy would lose quiet tickets' states unseen, so the
 * start stops, naming the grant that lets it look.
 */
export function unreadableSettings(topics: readonly string[], brokers: readonly string[]): CloseloopError {
  return new CloseloopError(
    'CL_TOPIC_SETTINGS',
    `the settings of topics that closeloop keeps for good could not be read (${topics.join(', ')}): the broker ` +
      'refused DescribeConfigs to the principal closeloop connects as. Grant it and start again ' +
      `(${TOPIC_SETTINGS_GUIDE}): kafka-acls.sh --bootstrap-server ${brokers.join(',')} --add ` +
      `--allow-principal User:<principal> --operation DescribeConfigs ${topics.map((t) => `--topic ${t}`).join(' ')}`,
    { details: { unreadable: [...topics] } },
  );
}

/** Reads back the settings of each topic that must keep its records, and what they would lose. */
async function keepingShortfalls(
  admin: MessagingAdmin,
  catalogue: readonly CatalogueEntry[],
  brokers: readonly string[],
): Promise<KeepingShortfall[]> {
  const kept = catalogue.filter((e) => keepingOf(e) !== 'broker-default');
  const refused: string[] = [];
  const found = await Promise.all(
    kept.map(async (e) => {
      try {
        const settings = await withRetry(() => admin.topicSettings(e.topic, KEEPING_SETTINGS), LEADERSHIP_RETRY);
        return keepingShortfall(e, settings);
      } catch (err) {
        if (!unauthorized(err)) throw err;
        refused.push(e.topic);
        return null;
      }
    }),
  );
  if (refused.length > 0) throw unreadableSettings(refused.sort(), brokers);
  return found.filter((s) => s !== null);
}

/**
 * Creates every topic of the catalogue where missing (so no stage ever writes to a topic that
 * does not exist), checks the co-partitioned ones have the inputs' partition count, and checks
 * that the topics kept for good, created now or before, keep their records.
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
  const losing = keepingMismatch(await keepingShortfalls(admin, catalogue, config.kafka.brokers), config.kafka.brokers);
  if (losing) throw losing;
}

/** Registers each topic's shipped schema under its TopicNameStrategy subject. */
export async function registerSchemas(
  serde: AvroSerde,
  config: CloseloopConfig,
  schemasDir: string,
  options: RegisterOptions = {},
): Promise<void> {
  for (const [name, canonical] of Object.entries(CANONICAL) as [keyof typeof CANONICAL, string][]) {
    const file = await readSchemaFile(path.join(schemasDir, `${canonical}.avsc`));
    await serde.register(subjectForTopic(config.topics[name]), file.schema, options);
  }
}
