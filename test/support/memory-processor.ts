import type { CloseloopConfig } from '../../src/config/index.ts';
import { subjectForTopic, type AvroSerde, type Messaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { LifecycleProcessor, type CommitHook } from '../../src/processor/index.ts';
import { SCHEMAS } from './processor.ts';

/**
 * A processor on in-memory messaging and a loopback registry (the unit tests' own), on a clock
 * the test moves, started and assigned its partitions. Stopping it is the caller's.
 */
export async function assignedProcessor(o: {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly clock: () => number;
  readonly metrics?: Metrics;
  readonly commitHook?: CommitHook;
}): Promise<LifecycleProcessor> {
  const processor = new LifecycleProcessor({
    ...o,
    logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    schemasDir: SCHEMAS,
  });
  const assigned = processor.nextAssignment();
  await processor.start();
  await assigned;
  return processor;
}

/** Writes one event to `topic`, encoded as its schema in the registry says, keyed by its ticket. */
export async function sendEvent(
  messaging: Messaging,
  serde: AvroSerde,
  topic: string,
  event: { readonly ticketId: string },
): Promise<void> {
  await messaging
    .producer()
    .send(topic, [{ key: event.ticketId, value: await serde.encode(subjectForTopic(topic), event) }]);
}
