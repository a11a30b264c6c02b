#!/usr/bin/env node
// Runs the lifecycle processor alone: node src/processor/main.ts --config config/closeloop.yaml
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, SHIPPED_SCHEMAS } from '../messaging/index.ts';
import { createLogger } from '../observability/logger.ts';
import { opsServerFor, startBehindOps } from '../observability/process-ops.ts';
import { faultHookFromEnv } from './fault-hooks.ts';
import { ProcessorHost } from './host.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'config/closeloop.yaml' } } });
  const logger = createLogger({ name: 'closeloop-processor' });
  const config = await loadConfig(values.config);
  // With threads, each thread reads the fault variables itself (see processor-thread.ts).
  const host = new ProcessorHost({
    config,
    configFile: values.config,
    logger,
    messaging: createKafkaMessaging({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger }),
    serde: new AvroSerde({ ...config.schemaRegistry, compatibility: 'BACKWARD' }),
    schemasDir: SHIPPED_SCHEMAS,
    commitHook: faultHookFromEnv(process.env),
  });
  // The same ops port as the worker's, wired the same way, without the admin endpoints (it runs
  // no connectors): readiness, `closeloop health` and /metrics answer for the processor alone.
  const ops = config.http ? opsServerFor(config.http, host, logger) : null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    (async () => {
      await ops?.stop();
      await host.stop();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: messageOf(err) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const url = await startBehindOps(ops, () => host.start());
  logger.info({ ops: url ?? 'off' }, 'processor running');
}

main().catch((err: unknown) => {
  console.error(`closeloop processor: ${messageOf(err)}`);
  process.exit(1);
});
