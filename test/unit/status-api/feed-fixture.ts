import path from 'node:path';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import {
  AvroSerde,
  createInMemoryMessaging,
  readSchemaFile,
  subjectForTopic,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { StatusFeed, type StatusProjection } from '../../../src/status-api/index.ts';
import { startLoopback, type LoopbackRegistry } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';
import type { Cleanup } from '../../support/cleanup.ts';

export interface StatusTopic {
  readonly registry: LoopbackRegistry;
  readonly messaging: Messaging;
  readonly config: CloseloopConfig;
}

/**
 * A status topic on the in-memory messaging holding `values` (keyed T1), a loopback registry
 * that encoded them, and a config whose consumers report failing after 200 ms.
 */
export async function statusTopic(
  cleanup: Cleanup,
  values: (serde: AvroSerde, subject: string) => Promise<Buffer[]>,
): Promise<StatusTopic> {
  const { registry, url } = await startLoopback(cleanup);
  const loaded = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const config = { ...loaded.config, processor: { ...loaded.config.processor, consumerFailingAfterMs: 200 } };
  const messaging = createInMemoryMessaging({ rewindDelayMs: 20 });
  // The status API reads the CRM events topic too; here it is empty.
  await messaging.admin().ensureTopics([
    { topic: config.topics.status, partitions: 1 },
    { topic: config.topics.crmEvents, partitions: 1 },
  ]);
  const serde = new AvroSerde({ url, retries: 0 });
  const subject = subjectForTopic(config.topics.status);
  const file = await readSchemaFile(path.join(SCHEMAS, 'bridge.ticket-status.v1.avsc'));
  await serde.register(subject, file.schema);
  const records = (await values(serde, subject)).map((value) => ({ key: 'T1', value }));
  await messaging.producer().send(config.topics.status, records);
  return { registry, messaging, config };
}

/** A feed with a serde of its own, as the status API has: it has not seen the schema yet. */
export function feedOf(
  cleanup: Cleanup,
  { config, messaging }: StatusTopic,
  projection: StatusProjection,
  /** How long its registry requests wait for an answer; the serde's default when left out. */
  timeoutMs?: number,
): StatusFeed {
  const serde = new AvroSerde({
    ...config.schemaRegistry,
    retries: 0,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const feed = new StatusFeed({ config, messaging, serde, projection, logger: createLogger({ level: 'silent' }) });
  cleanup.push(() => feed.stop());
  return feed;
}
