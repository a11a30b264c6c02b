// npm run bench:import [-- --rows 120000] [--partitions 3]
// Import figures: for each shipped 10k sample and a generated file of --rows rows, runs
// `closeloop import` in a process of its own (rows/s and its peak RSS, as an operator would see
// them), then the processor through everything imported, and the volume figures read back, so
// the time until the figures are ready is measured too. Prints one table; writes nothing.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'yaml';
import { TOPIC_KEYS, loadConfig, type CloseloopConfig } from '../src/config/index.ts';
import { volumeByMonth } from '../src/domain/kpi/index.ts';
import { readKpiInputs } from '../src/kpi/read-inputs.ts';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LifecycleProcessor } from '../src/processor/index.ts';
import { endpoints, ROOT, SCHEMAS, waitCaughtUp, type Endpoints } from './harness.ts';

const { values: a } = parseArgs({
  options: { rows: { type: 'string', default: '120000' }, partitions: { type: 'string', default: '3' } },
});
const log = (l: string) => console.error(`[bench:import] ${l}`);
const logger = createLogger({ level: 'warn', destination: process.stderr });

async function configFile(e: Endpoints, name: string): Promise<string> {
  const run = `bench.import-${name}.${Date.now().toString(36)}`;
  const file = path.join(tmpdir(), `${run}.yaml`);
  await writeFile(
    file,
    stringify({
      jurisdiction: 'baltimore',
      kafka: { brokers: [e.brokers], clientId: run },
      schemaRegistry: { url: e.registryUrl },
      topics: Object.fromEntries(TOPIC_KEYS.map((k) => [k, `${run}.${k}`])),
      processor: { groupId: `${run}.processor`, partitions: Number(a.partitions), sessionTimeoutMs: 10_000 },
      statusMappings: ['posse', 'maximo', 'sap-pm'].map((m) => path.join(ROOT, 'config/status-mappings', `${m}.yaml`)),
      routing: { defaultPriority: 3, services: {} },
      connectors: [],
    }),
  );
  return file;
}

/** The Baltimore sample repeated with fresh ticket ids until it has `rows` rows. */
async function generated(rows: number): Promise<string> {
  const file = path.join(tmpdir(), `closeloop-import-${rows}.csv`);
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

/** `closeloop import` as a child process; its own summary gives rows/s and peak RSS. */
function runImport(file: string, mapping: string, config: string): Promise<{ seconds: number; summary: string }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/closeloop.js'), 'import', '--file', file, '--mapping', mapping, '--config', config],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 || code === 1
        ? resolve({ seconds: (performance.now() - started) / 1000, summary: out.split('\n').slice(0, 2).join(' | ') })
        : reject(new Error(`closeloop import exited ${code}: ${out}`)),
    ),
  );
}

/** The processor through all imported events, then the volume figures read back. */
async function figures(
  config: CloseloopConfig,
): Promise<{ processSeconds: number; figuresSeconds: number; months: number }> {
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-bench`,
    logger,
  });
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const processor = new LifecycleProcessor({ config, messaging, serde, logger, schemasDir: SCHEMAS });
  const admin = messaging.admin();
  await admin.connect();
  const started = performance.now();
  await processor.start();
  await waitCaughtUp(admin, config.processor.groupId, config.topics.crmEvents, 600_000);
  const processed = performance.now();
  await processor.stop();
  const inputs = await readKpiInputs({
    messaging,
    admin,
    serde,
    logger,
    statusTopic: config.topics.status,
    quarantineTopic: config.topics.quarantine,
    driftTopic: null,
    fallbackZone: 'America/New_York',
  });
  const months = volumeByMonth(inputs.tickets).length;
  await admin.disconnect();
  return {
    processSeconds: (processed - started) / 1000,
    figuresSeconds: (performance.now() - processed) / 1000,
    months,
  };
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
    const cfg = await configFile(e, mapping);
    log(`${name}: importing`);
    const imp = await runImport(file, path.join(ROOT, 'config/import', `${mapping}.yaml`), cfg);
    log(`${name}: ${imp.summary}`);
    log(`${name}: processing`);
    const f = await figures(await loadConfig(cfg, {}));
    table.push(
      `${name.padEnd(18)} import ${imp.seconds.toFixed(1).padStart(6)} s (process incl. start-up)  ` +
        `processor ${f.processSeconds.toFixed(1).padStart(6)} s  figures ${f.figuresSeconds.toFixed(1).padStart(5)} s  ` +
        `${f.months} months  | ${imp.summary}`,
    );
  }
  for (const line of table) console.log(line);
}

await main();
process.exit(0);
