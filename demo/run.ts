// npm run demo: Baltimore's real request types flowing from a simulated CRM through the bridge to
// simulated department systems (POSSE-like, and Maximo-like for transportation) and back, with duplicates, follow-ups, holds, a
// premature-close attempt and a CRM outage. Ends with the CRM's status against the department's.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { CrmSimulator } from '../connectors/crm-rest/simulator.ts';
import { MaximoSimulator, type CrewBehaviour } from '../connectors/maximo/simulator.ts';
import { PosseSimulator, type DepartmentBehaviour } from '../connectors/posse/simulator.ts';
import { TOPIC_KEYS, loadConfig } from '../src/config/index.ts';
import type { Violation } from '../src/domain/index.ts';
import { AvroSerde, createKafkaMessaging, readToEnd } from '../src/messaging/index.ts';
import type { DestinationStream } from 'pino';
import { createLogger } from '../src/observability/logger.ts';
import { progress } from '../src/observability/progress.ts';
import { Worker } from '../src/worker/worker.ts';
import { loadStackConfig } from '../stack/config.ts';
import { stackUp } from '../stack/stack.ts';
import { demoRouting, loadScenario } from './scenario.ts';
import { printReport, summarize, type DemoSummary } from './report.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface DemoOptions {
  readonly count: number;
  readonly seed: number;
  readonly csv: string;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
  /** Overrides of the simulated departments' behaviour. */
  readonly behaviour?: Partial<DepartmentBehaviour>;
  /** Overrides of the Maximo crews' behaviour. */
  readonly crews?: Partial<CrewBehaviour>;
  /** Where the worker's JSON logs go, at LOG_LEVEL (default: nowhere). */
  readonly logs?: { readonly level: string; readonly destination: DestinationStream };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  let brokers = process.env['KAFKA_BROKERS'];
  let registryUrl = process.env['SCHEMA_REGISTRY_URL'];
  if (!brokers || !registryUrl) {
    const up = await stackUp(loadStackConfig(), (l) => o.log(`stack: ${l}`));
    brokers = up.brokers;
    registryUrl = up.registryUrl;
  }
  const requests = await loadScenario(o.csv, o.count);
  const routing = demoRouting(requests);
  const on = (system: string) => [
    ...new Set(Object.values(routing).flatMap((r) => r.filter((t) => t.system === system).map((t) => t.department))),
  ];
  const departments = on('posse');
  // Each Maximo department's work orders live at a site of its own.
  const sites = Object.fromEntries(on('maximo').map((d) => [d, `BALT-${d.toUpperCase()}`]));
  const crm = new CrmSimulator({ token: 'demo-crm', seed: o.seed });
  const posse = new PosseSimulator({
    token: 'demo-posse',
    seed: o.seed,
    behaviour: {
      notOursRate: 0.04,
      closeOnAssignRate: 0.1,
      holdRate: 0.2,
      cancelRate: 0.03,
      noViolationRate: 0.15,
      reopenOnReviewRate: 0.5,
    },
  });
  const maximo = new MaximoSimulator({
    apiKey: 'demo-maximo',
    seed: o.seed,
    behaviour: { cancelRate: 0.03, materialRate: 0.25, closeWithoutCompRate: 0.1, closeAfterTicks: 4, ...o.crews },
  });
  const [crmUrl, posseUrl, maximoUrl] = await Promise.all([crm.start(), posse.start(), maximo.start()]);
  const run = `demo.${Date.now().toString(36)}`;
  // The config is written to be loaded the way a city's is, then its folder goes at once.
  const folder = await mkdtemp(path.join(tmpdir(), 'closeloop-demo-'));
  const configFile = path.join(folder, `${run}.yaml`);
  const written = writeFile(
    configFile,
    stringify({
      jurisdiction: 'baltimore',
      kafka: { brokers: [brokers], clientId: run },
      schemaRegistry: { url: registryUrl },
      topics: Object.fromEntries(TOPIC_KEYS.map((k) => [k, `${run}.${k}`])),
      processor: { groupId: `${run}.processor`, partitions: 3, sessionTimeoutMs: 10_000 },
      statusMappings: ['posse', 'maximo'].map((m) => path.join(root, `config/status-mappings/${m}.yaml`)),
      routing: { defaultPriority: 3, services: routing },
      connectors: [
        { name: 'crm-rest', config: { baseUrl: crmUrl, jurisdiction: 'baltimore', tokenEnv: 'CRM_API_TOKEN' } },
        {
          name: 'posse',
          config: { baseUrl: posseUrl, jurisdiction: 'baltimore', departments, tokenEnv: 'POSSE_API_TOKEN' },
        },
        ...(Object.keys(sites).length > 0
          ? [{ name: 'maximo', config: { baseUrl: maximoUrl, jurisdiction: 'baltimore', departments: sites } }]
          : []),
      ],
    }),
  );
  const config = await written
    .then(() => loadConfig(configFile, {}))
    .finally(() => rm(folder, { recursive: true, force: true }));
  // The adapter reports retried group and fetch hiccups; the demo's own lines tell the story.
  const logger = o.logs
    ? createLogger({ level: o.logs.level, destination: o.logs.destination })
    : createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const messaging = createKafkaMessaging({ brokers: [brokers], clientId: run, logger });
  const worker = new Worker({
    config,
    logger,
    messaging,
    env: { CRM_API_TOKEN: 'demo-crm', POSSE_API_TOKEN: 'demo-posse', MAXIMO_API_KEY: 'demo-maximo' },
  });
  const started = Date.now();
  await worker.start();
  o.log(
    `worker up; ${requests.length} Baltimore requests, ${Object.keys(routing).length} request types, ${departments.length + Object.keys(sites).length} agencies`,
  );

  const bar = progress('[demo]', 'tickets closed', requests.length);
  try {
    const ids: string[] = [];
    let outage = false;
    let followUps = 0;
    let quiet = 0;
    let lastApplied = -1;
    let lastReport = 0;
    for (;;) {
      if (Date.now() - started > o.timeoutMs) throw new Error(`demo did not settle within ${o.timeoutMs} ms`);
      // Agents take a few calls per tick; some are duplicates of an earlier request.
      for (const r of requests.slice(ids.length, ids.length + 12)) {
        const t = crm.createTicket({
          serviceCode: r.serviceCode,
          serviceName: r.serviceName,
          description: `Baltimore ${r.recordId}`,
          requestedAt: r.createdAt,
          channel: r.channel,
          address: r.address,
          latitude: r.latitude,
          longitude: r.longitude,
          district: r.district,
          contact: {
            name: `Resident ${ids.length}`,
            email: `resident${ids.length}@example.org`,
            phone: '410-555-0100',
          },
        });
        ids.push(t.id);
        const parent = r.duplicateOf === null ? undefined : ids[r.duplicateOf];
        if (parent) crm.declareDuplicate(t.id, parent);
      }
      // The CRM goes down while statuses are flowing to it.
      if (!outage && crm.applied.length >= requests.length) {
        outage = true;
        const now = Date.now();
        crm.server.setFaults({ outages: [{ from: now, until: now + 3_000 }] });
        o.log('CRM outage: 3 s of HTTP 503');
      }
      posse.tick();
      maximo.tick();
      const crews = [...maximo.plans.values()].filter((p) => p.steps.length > 0 || p.reviewRequested).length;
      const open = [...posse.jobs.values()].filter((j) => !j.done || j.plan.length > 0).length + crews;
      const jobs = posse.jobs.size + maximo.workOrders.size;
      // Once most work is done, a few citizens say their problem is not fixed.
      const fixed = [...crm.tickets.values()].filter(
        (t) => t.status === 'closed' && t.closureReason === 'WORK_COMPLETED',
      );
      if (
        ids.length === requests.length &&
        followUps === 0 &&
        fixed.length >= Math.min(5, requests.length / 4) &&
        open < jobs * 0.2
      ) {
        for (const t of fixed.slice(0, 5)) {
          crm.createTicket({ serviceCode: t.serviceCode, description: 'Still not fixed', followUpOf: t.id });
        }
        followUps = Math.min(5, fixed.length);
        o.log(`${followUps} citizens report their resolved request is not fixed (follow-ups)`);
      }
      bar.update(
        [...crm.tickets.values()].filter((t) => t.status === 'closed').length,
        Math.max(requests.length, crm.tickets.size),
      );
      if (!bar.live && Date.now() - lastReport > 1_000) {
        lastReport = Date.now();
        const s = worker.status();
        o.log(
          `created ${ids.length}/${requests.length}  CRM updates ${crm.applied.length}  jobs ${posse.jobs.size} + work orders ${maximo.workOrders.size} (${open} active)  in state ${s.tickets}${s.sinks['crm-rest']?.pausedBy ? '  [CRM sink paused]' : ''}`,
        );
      }
      const settled = ids.length === requests.length && followUps > 0 && open === 0;
      quiet = settled && crm.applied.length === lastApplied ? quiet + 1 : 0;
      lastApplied = crm.applied.length;
      if (quiet >= 8) break;
      await sleep(250);
    }
    bar.stop();
    // The bar is done; the table comes next.
    const violations: Violation[] = [];
    const admin = messaging.admin();
    await admin.connect();
    const serde = new AvroSerde({ url: registryUrl });
    await readToEnd(messaging, admin, config.topics.quarantine, 'all', async (r) => {
      violations.push((await serde.decode<Violation>(r.value)).value);
    });
    await admin.disconnect();
    return summarize(
      crm,
      posse,
      maximo,
      Object.fromEntries(Object.entries(sites).map(([d, site]) => [site, d])),
      violations,
      Date.now() - started,
    );
  } finally {
    bar.stop();
    await worker.stop();
    await Promise.all([crm.stop(), posse.stop(), maximo.stop()]);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '300' },
      seed: { type: 'string', default: '42' },
      all: { type: 'boolean', default: false },
      csv: { type: 'string', default: path.resolve(root, 'data/baltimore_311_sample_10k.csv') },
    },
  });
  const summary = await runDemo({
    count: Number(values.count),
    seed: Number(values.seed),
    csv: values.csv,
    timeoutMs: 600_000,
    log: (l) => console.log(`[demo] ${l}`),
  });
  printReport(summary, values.all);
  process.exit(summary.gateViolations.length > 0 ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
