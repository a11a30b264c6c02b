// npm run bench:import [-- --rows 120000] [--partitions 3]
// Import figures: for each shipped 10k sample and a generated file of --rows rows, with the
// processor running as the worker's does, runs `closeloop import` in a process of its own (rows/s
// and its peak RSS, as an operator sees them), waits for the processor to apply everything, and
// runs `closeloop kpi volume`. The goal's measure is import start → figures printed. Prints one
// table; writes nothing.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { loadConfig } from '../src/config/index.ts';
import type { MonthVolume } from '../src/domain/kpi/index.ts';
import { loadImportMapping } from '../src/import/mapping.ts';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LifecycleProcessor } from '../src/processor/index.ts';
import { endpoints, ROOT, runConfigFile, SCHEMAS, waitCaughtUp } from './harness.ts';
import { runFolder } from './run-folder.ts';

const { values: a } = parseArgs({
  options: { rows: { type: 'string', default: '120000' }, partitions: { type: 'string', default: '3' } },
});
const log = (l: string) => console.error(`[bench:import] ${l}`);
const logger = createLogger({ level: 'warn', destination: process.stderr });

/** The Baltimore sample repeated with fresh ticket ids until it has `rows` rows. */
async function generated(rows: number): Promise<string> {
  const file = path.join(runFolder(), `closeloop-import-${rows}.csv`);
  const out = createWriteStream(file);
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  let written = 0;
  for (let copy = 0; written < rows; copy += 1) {
    const parser = createReadStream(path.join(ROOT, 'data/baltimore_311_sample_10k.csv')).pipe(
      parse({ columns: false }),
    );
    let header = true;
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header) {
        header = false;
        if (copy === 0) out.write(`${record.map(quote).join(',')}\n`);
        continue;
      }
      if (written >= rows) break;
      // ServiceRequestNum is column 2: each copy gets ids of its own.
      record[1] = `${record[1] ?? ''}-${copy}`;
      out.write(`${record.map(quote).join(',')}\n`);
      written += 1;
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return file;
}

/** A closeloop command in a process of its own, as an operator runs it: its stdout, and how long it took. */
function closeloop(args: readonly string[]): Promise<{ seconds: number; out: string; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/closeloop.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': the figures are its last words, and a process may exit before they are read.
    child.on('close', (code) => resolve({ seconds: (performance.now() - started) / 1000, out, code }));
  });
}

interface CaseResult {
  /** `closeloop import`, process start to exit. */
  readonly importSeconds: number;
  /** From the import's end until the processor had applied every imported event. */
  readonly lagSeconds: number;
  /** `closeloop kpi volume`, process start to exit. */
  readonly figuresSeconds: number;
  /** Import start to the volume figures printed: the goal's measure. */
  readonly endToEndSeconds: number;
  readonly months: number;
  readonly summary: string;
}

/**
 * One import as it goes at a city: the worker's processor is running, `closeloop import` publishes
 * the export while the processor applies it, and once the processor has applied everything,
 * `closeloop kpi volume` prints the figures. The clock runs from the import's start to the
 * figures printed; the worker's own start-up is not in it, since it runs before and after.
 */
async function importCase(cfgFile: string, file: string, mapping: string): Promise<CaseResult> {
  const config = await loadConfig(cfgFile, {});
  const { timeZone } = await loadImportMapping(mapping);
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-bench`,
    logger,
  });
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const processor = new LifecycleProcessor({ config, messaging, serde, logger, schemasDir: SCHEMAS });
  const admin = messaging.admin();
  await admin.connect();
  const assigned = processor.nextAssignment();
  await processor.start();
  await assigned;
  try {
    const started = performance.now();
    const imp = await closeloop(['import', '--file', file, '--mapping', mapping, '--config', cfgFile]);
    if (imp.code !== 0 && imp.code !== 1) throw new Error(`closeloop import exited ${imp.code}: ${imp.out}`);
    const imported = Number(/imported (\d+)/.exec(imp.out)?.[1]);
    const importedAt = performance.now();
    await waitCaughtUp(admin, config.processor.groupId, config.topics.crmEvents, 600_000);
    const processedAt = performance.now();
    const fig = await closeloop(['kpi', 'volume', '--format', 'json', '--time-zone', timeZone, '--config', cfgFile]);
    const ended = performance.now();
    if (fig.code !== 0) throw new Error(`closeloop kpi volume exited ${fig.code}`);
    const months = JSON.parse(fig.out) as MonthVolume[];
    // The figures must hold every imported ticket, or the clock stopped too early.
    const tickets = months.reduce((n, m) => n + m.tickets, 0);
    if (tickets !== imported) throw new Error(`the figures hold ${tickets} ticket(s), the import says ${imported}`);
    return {
      importSeconds: imp.seconds,
      lagSeconds: (processedAt - importedAt) / 1000,
      figuresSeconds: fig.seconds,
      endToEndSeconds: (ended - started) / 1000,
      months: months.length,
      summary: imp.out.split('\n').slice(0, 2).join(' | '),
    };
  } finally {
    await processor.stop();
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const e = await endpoints(log);
  const rows = Number(a.rows);
  const cases = [
    ['baltimore 10k', path.join(ROOT, 'data/baltimore_311_sample_10k.csv'), 'baltimore'],
    ['sf 10k', path.join(ROOT, 'data/sf_311_cases_sample_10k.csv'), 'sf'],
    [`generated ${rows}`, await generated(rows), 'baltimore'],
  ] as const;
  const table: string[] = [];
  for (const [name, file, mapping] of cases) {
    log(`${name}: importing, the processor running`);
    // The bench's one run config (harness.ts): topics of this run only, SLA clocks as shipped.
    const run = await runConfigFile(e, `import-${mapping}`, { partitions: Number(a.partitions), routing: {} });
    const r = await importCase(run.file, file, path.join(ROOT, 'config/import', `${mapping}.yaml`));
    log(`${name}: ${r.summary}`);
    table.push(
      `${name.padEnd(18)} import start → figures printed ${r.endToEndSeconds.toFixed(1).padStart(5)} s  ` +
        `(import ${r.importSeconds.toFixed(1)} s, processor done ${r.lagSeconds.toFixed(1)} s later, ` +
        `kpi volume ${r.figuresSeconds.toFixed(1)} s; ${r.months} months)  | ${r.summary}`,
    );
  }
  for (const line of table) console.log(line);
}

await main();
process.exit(0);
