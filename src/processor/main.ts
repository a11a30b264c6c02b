#!/usr/bin/env node
// Runs the lifecycle processor alone: node src/processor/main.ts --config config/closeloop.yaml
import { parseArgs } from 'node:util';
import { loadConfig, type CloseloopConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, SHIPPED_SCHEMAS } from '../messaging/index.ts';
import { createLogger } from '../observability/logger.ts';
import { exitOnSecondSignal, opsServerFor, startBehindOps } from '../observability/process-ops.ts';
// An entry point, as the CLI's are: it checks the config as `closeloop run` does.
import { connectorChecker } from '../worker/connector-check.ts';
import { faultHookFromEnv } from './fault-hooks.ts';
import { ProcessorHost } from './host.ts';

/**
 * The config, checked as `closeloop run` checks it (but for credentials: the processor calls no
 * system) when it declares connectors: beside workers of the same config, a route none of them
 * serves is refused, and one met anyway is quarantined NO_CONNECTOR instead of sent where no sink
 * reads it. A config with no connectors is a processor's alone, its sinks declared elsewhere:
 * every route is taken as served.
 */
async function loadChecked(file: string): Promise<CloseloopConfig> {
  const config = await loadConfig(file);
  if (config.connectors.length === 0) return config;
  return loadConfig(file, process.env, { checkConnector: connectorChecker({ credentials: false }) });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'config/closeloop.yaml' } } });
  const logger = createLogger({ name: 'closeloop-processor' });
  const config = await loadChecked(values.config);
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
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return exitOnSecondSignal(logger, signal);
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
