#!/usr/bin/env node
// Runs the lifecycle processor: node src/processor/main.ts --config config/closeloop.yaml
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging } from '../messaging/index.ts';
import { createLogger } from '../observability/logger.ts';
import { faultHookFromEnv } from './fault-hooks.ts';
import { LifecycleProcessor } from './processor.ts';
import { ThreadedProcessor } from './threads.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'config/closeloop.yaml' } } });
  const logger = createLogger({ name: 'closeloop-processor' });
  const config = await loadConfig(values.config);
  const commitHook = faultHookFromEnv(process.env);
  const common = {
    config,
    logger,
    messaging: createKafkaMessaging({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger }),
    serde: new AvroSerde({ ...config.schemaRegistry, compatibility: 'BACKWARD' }),
    schemasDir: path.join(repoRoot, 'schemas'),
  };
  // With threads, each thread reads the fault variables itself (see processor-thread.ts).
  const processor =
    config.processor.threads > 1
      ? new ThreadedProcessor({ ...common, configFile: values.config })
      : new LifecycleProcessor({ ...common, ...(commitHook ? { commitHook } : {}) });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    processor.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: messageOf(err) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await processor.start();
}

main().catch((err: unknown) => {
  console.error(`closeloop processor: ${messageOf(err)}`);
  process.exit(1);
});
