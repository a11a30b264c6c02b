#!/usr/bin/env node
// npm run stack:up | stack:down | stack:status — a real Kafka broker and Apicurio Registry on
// the JVM, for machines without Docker.
import { loadStackConfig } from './config.ts';
import { stackDown, stackStatus, stackUp } from './stack.ts';

const usage = 'usage: node stack/cli.ts up | down [--purge] | status';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const cfg = loadStackConfig();
  const say = (line: string) => console.log(`[stack] ${line}`);
  switch (command) {
    case 'up': {
      const result = await stackUp(cfg, say);
      say(result.started ? `up in ${(result.timings['totalMs'] ?? 0) / 1000}s` : 'already up');
      say(`KAFKA_BROKERS=${result.brokers}`);
      say(`SCHEMA_REGISTRY_URL=${result.registryUrl}`);
      say(`logs and pids under ${cfg.runDir}`);
      return 0;
    }
    case 'down': {
      const stopped = await stackDown(cfg, { purge: rest.includes('--purge') });
      say(stopped.length ? `stopped ${stopped.join(' and ')}` : 'nothing of ours was running');
      return 0;
    }
    case 'status': {
      const all = await stackStatus(cfg);
      for (const c of all) {
        const owner = c.pid === undefined ? 'not started by this stack' : `pid ${c.pid}`;
        say(
          `${c.name.padEnd(8)} ${c.ready ? 'ready' : 'down'}  ${c.endpoint}  (${owner})${c.ready ? '' : `: ${c.detail}`}`,
        );
      }
      return all.every((c) => c.ready) ? 0 : 3;
    }
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
