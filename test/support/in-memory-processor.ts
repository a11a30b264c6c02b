import { type Messaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { LifecycleProcessor, type failAfterCommit } from '../../src/processor/index.ts';
import type { Cleanup } from './cleanup.ts';
import { Bridge } from './domain.ts';
import { startLoopback } from './loopback-registry.ts';
import { SCHEMAS, testConfig } from './processor.ts';

/** A loopback registry and a test config of `partitions` for the in-memory messaging, torn down by `cleanup`. */
export async function inMemorySetup(cleanup: Cleanup, partitions: number) {
  const { url, serde } = await startLoopback(cleanup);
  const { config } = await testConfig(partitions, 30, { brokers: 'in-memory:0', registryUrl: url, sentinel: null });
  return { serde, config, expected: new Bridge(config.policy) };
}

/** A processor on `messaging`, started and stopped by `cleanup`; resolves with it and its first assignment. */
export async function inMemoryProcessor(
  cleanup: Cleanup,
  o: Awaited<ReturnType<typeof inMemorySetup>> & {
    messaging: Messaging;
    commitHook?: ReturnType<typeof failAfterCommit>;
  },
) {
  const processor = new LifecycleProcessor({
    config: o.config,
    messaging: o.messaging,
    serde: o.serde,
    logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    schemasDir: SCHEMAS,
    clock: () => o.expected.now,
    ...(o.commitHook ? { commitHook: o.commitHook } : {}),
  });
  const assigned = processor.nextAssignment();
  await processor.start();
  cleanup.push(() => processor.stop());
  return { processor, assigned: await assigned };
}
