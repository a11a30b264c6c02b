#!/usr/bin/env node
// closeloop run --config config/closeloop.yaml : starts a worker (processor and connectors).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { createLogger } from '../observability/logger.ts';
import { Worker } from '../worker/worker.ts';

const usage = 'usage: closeloop run [--config config/closeloop.yaml]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', default: 'config/closeloop.yaml' } },
  });
  if (positionals[0] !== 'run') {
    console.error(usage);
    return 2;
  }
  const logger = createLogger({ name: 'closeloop' });
  const worker = new Worker({ config: await loadConfig(values.config), logger });
  await worker.start();
  logger.info('worker running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`closeloop: ${messageOf(err)}`);
    process.exit(1);
  },
);
