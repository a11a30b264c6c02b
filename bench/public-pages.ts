// npm run bench:public [-- --tickets 20000] [--connections 100] [--seconds 10]
// Page latency of `closeloop public` under concurrent clients, on this machine. The read models
// are filled in memory from the Baltimore sample (no Kafka: the figure is the pages' own cost), then
// autocannon drives each page with N connections, one page at a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadScenario } from '../demo/scenario.ts';
import { PublicFigures } from '../src/public/figures.ts';
import { createSite } from '../src/public/site.ts';
import { RequestFacts, StatusApiServer, StatusProjection } from '../src/status-api/index.ts';
import { ROOT } from './harness.ts';

const { values: a } = parseArgs({
  options: {
    tickets: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
  },
});
const tickets = Number(a.tickets);
const connections = Number(a.connections);
const seconds = Number(a.seconds);
const log = (l: string) => console.error(`[bench:public] ${l}`);

const ZONE = 'America/New_York';
const NOW = Date.UTC(2026, 10, 15, 17);
const DAY = 86_400_000;
const CHANNELS = ['PHONE', 'WEB', 'MOBILE_APP', 'EMPLOYEE'] as const;

async function fill(projection: StatusProjection, facts: RequestFacts, figures: PublicFigures): Promise<string> {
  const rows = await loadScenario(path.resolve(ROOT, 'data/baltimore_311_sample_10k.csv'), 10_000);
  let lastId = '';
  for (let i = 0; i < tickets; i++) {
    const r = rows[i % rows.length];
    if (!r) throw new Error('the sample has no usable rows');
    const id = `SR-${String(i).padStart(7, '0')}`;
    // Spread over the last 12 months, as a year of a city's requests.
    const requestedAt = NOW - Math.floor(((i * 7919) % 365) * DAY) - (i % 86_400) * 1000;
    const information = i % 5 === 0;
    facts.apply({
      ticketId: id,
      serviceCode: r.serviceCode,
      serviceName: r.serviceName,
      requestedAt,
      channel: CHANNELS[i % CHANNELS.length] ?? null,
      requestKind: information ? 'INFORMATION' : 'SERVICE',
      location: { address: r.address, latitude: r.latitude, longitude: r.longitude, district: r.district },
      crmDueAt: null,
    });
    const resolved = i % 3 !== 0 ? requestedAt + ((i % 9) + 1) * DAY : null;
    const record = {
      envelope: {
        eventId: `${id}-1`,
        jurisdiction: 'bmore',
        source: 'closeloop',
        sequence: null,
        occurredAt: resolved ?? requestedAt,
        origin: 'closeloop',
        correlationId: null,
      },
      ticketId: id,
      version: 1,
      crmStatus: resolved === null ? ('OPEN' as const) : ('CLOSED' as const),
      lifecycleState: resolved === null ? ('ASSIGNED' as const) : ('RESOLVED' as const),
      publicStatusCode: resolved === null ? 'ASSIGNED' : 'RESOLVED',
      statusNote: resolved === null ? 'Assigned to a crew.' : 'The work was done.',
      expectedAt: null,
      closureReason: resolved === null ? null : ('WORK_COMPLETED' as const),
      closureNote: null,
      duplicateOf: null,
      followUpOf: null,
      agencyResponsible: r.department,
      serviceCode: r.serviceCode,
      priority: 3,
      workOrders: [
        {
          workOrderId: `${id}#1`,
          department: r.department,
          system: 'posse',
          state: 'ASSIGNED' as const,
          rawStatus: 'X',
          misrouted: false,
        },
      ],
      requestedAt,
      slaTimeZone: ZONE,
      responseDueAt: requestedAt + 2 * DAY,
      completionDueAt: requestedAt + 5 * DAY,
      respondedAt: requestedAt + ((i % 4) + 1) * 12 * 3_600_000,
      resolvedAt: resolved,
      calendarDaysToResolve: resolved === null ? null : (resolved - requestedAt) / DAY,
      businessDaysToResolve: resolved === null ? null : (resolved - requestedAt) / DAY,
    };
    if (!information) {
      projection.apply(record);
      figures.applyStatus(record);
      lastId = id;
    }
  }
  return lastId;
}

async function main(): Promise<void> {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  const figures = new PublicFigures(facts, ZONE, () => NOW);
  const id = await fill(projection, facts, figures);
  const started = performance.now();
  figures.month('2026-10');
  const coldMs = performance.now() - started;
  log(`${tickets} requests loaded; one month's figures computed cold in ${coldMs.toFixed(0)} ms`);
  const site = createSite({
    projection,
    facts,
    figures,
    cityName: 'Baltimore',
    targets: {},
    serviceName: (c) => facts.serviceName(c),
  });
  const server = new StatusApiServer({
    host: '127.0.0.1',
    port: 0,
    projection,
    facts,
    services: [],
    jurisdictionId: 'bmore',
    rateLimit: null,
    now: () => NOW,
    site,
  });
  const base = await server.start();
  const pages = [
    ['home', '/'],
    ['track', `/track/${id}`],
    ['performance', '/performance?month=2026-10'],
    ['department', `/departments/${projection.get(id)?.agencyResponsible ?? 'transportation'}?month=2026-10`],
    ['performance.csv', '/performance.csv?month=2026-10'],
    ['open311 request xml', `/requests/${id}.xml`],
    ['open311 search json', '/requests.json?start_date=2026-10-01T00:00:00Z&end_date=2026-10-31T23:59:59Z'],
  ] as const;
  const rows: { page: string; p50: number; p99: number; rps: number; errors: number; non2xx: number }[] = [];
  try {
    for (const [page, p] of pages) {
      const r = await autocannon({ url: `${base}${p}`, connections, duration: seconds });
      rows.push({
        page,
        p50: r.latency.p50,
        p99: r.latency.p99,
        rps: Math.round(r.requests.average),
        errors: r.errors,
        non2xx: r.non2xx,
      });
      log(`${page}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s`);
    }
  } finally {
    await server.stop();
  }
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    tickets,
    connections,
    seconds,
    coldMonthFiguresMs: Math.round(coldMs),
    pages: rows,
  };
  const dir = path.resolve(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'public-pages.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`| page | p50 ms | p99 ms | req/s | errors | non-2xx |\n| --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) console.log(`| ${r.page} | ${r.p50} | ${r.p99} | ${r.rps} | ${r.errors} | ${r.non2xx} |`);
}

await main();
