// Scenario (c): CRM simulator → crm-rest source → processor → crm-rest sink and POSSE connector,
// all in one worker, against simulators answering with realistic latency. The sources run with
// the shipped polling pace and, unless --no-push, each simulator rings the worker's webhook
// doorbell (POST /hooks/<name> on its ops server) after every change, as a system that can push
// would. Events are offered at
// a fixed rate (or as fast as the driver can, for saturation); latency runs from the moment a
// simulator records an event to the moment the CRM simulator applies the status it caused,
// matched exactly through the correlation id the sink sends with every update.
import { CrmSimulator } from '../connectors/crm-rest/simulator.ts';
import { PosseSimulator } from '../connectors/posse/simulator.ts';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { OpsServer } from '../src/observability/ops-server.ts';
import { seededRandom } from '../src/sdk/index.ts';
import { webhookTokens } from '../src/worker/connector-check.ts';
import { Worker } from '../src/worker/worker.ts';
import { nearestRank } from '../src/domain/kpi/index.ts';
import { stageLatencies, type StageLatencies } from './full-path-stages.ts';
import { sinkWaitTotals, sinkWaitsBetween, type SinkWaits, type SinkWaitTotals } from './sink-waits.ts';
import { rssSampler, runConfig, type Endpoints } from './harness.ts';
import { typePicker, type LoadProfile } from './load.ts';

export interface FullPathRun {
  readonly offeredPerSecond: number;
  /** The simulators rang the worker's webhook doorbell after each change. */
  readonly push: boolean;
  /** Webhook calls the simulators made that the worker took (202), and those that failed. */
  readonly webhooks: { readonly rung: number; readonly failed: number };
  readonly seconds: number;
  /**
   * Offered at the same rate before the measured seconds and left out of the latency figures:
   * a cold process and the load's start (new tickets only, before any job has steps) are not the
   * steady state. Its own p99 is kept, so the start is not hidden.
   */
  readonly warmup: { readonly seconds: number; readonly samples: number; readonly p99Ms: number };
  readonly tickets: number;
  readonly sourceEvents: number;
  readonly eventsPerSecond: number;
  readonly statusesApplied: number;
  readonly latencySamples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly drainMs: number;
  readonly peakRssMb: number;
  /** Where the time went, p50 / p99 per stage (see full-path-stages.ts). */
  readonly stages: StageLatencies;
  /** Where the statuses waited in the CRM sink, means from its own metrics (see sink-waits.ts). */
  readonly sinkWaits: SinkWaits;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function fullPathRun(
  e: Endpoints,
  profile: LoadProfile,
  o: { rate: number; seconds: number; warmupSeconds: number; seed: number; partitions: number; push: boolean },
): Promise<FullPathRun> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  // Realistic API latency: tens of milliseconds per call, with jitter.
  const crm = new CrmSimulator({ token: 'bench-crm', seed: o.seed, faults: { latencyMs: 15, jitterMs: 10 } });
  const posse = new PosseSimulator({
    token: 'bench-posse',
    seed: o.seed,
    faults: { latencyMs: 20, jitterMs: 10 },
    behaviour: { holdRate: 0.15, noViolationRate: 0.15, closeOnAssignRate: 0.05, cancelRate: 0.02 },
  });
  const [crmUrl, posseUrl] = await Promise.all([crm.start(), posse.start()]);
  const routing = Object.fromEntries(
    profile.types.map((t) => [t.serviceCode, [{ department: t.department, system: 'posse' }]]),
  );
  const departments = [...new Set(profile.types.map((t) => t.department))];
  const config = await runConfig(e, 'full-path', {
    partitions: o.partitions,
    routing,
    connectors: [
      {
        name: 'crm-rest',
        ...(o.push ? { webhook: { tokenEnv: 'CRM_WEBHOOK_TOKEN' } } : {}),
        config: { baseUrl: crmUrl, jurisdiction: 'baltimore', tokenEnv: 'CRM_TOKEN', pageSize: 500 },
      },
      {
        name: 'posse',
        ...(o.push ? { webhook: { tokenEnv: 'POSSE_WEBHOOK_TOKEN' } } : {}),
        config: { baseUrl: posseUrl, jurisdiction: 'baltimore', departments, tokenEnv: 'POSSE_TOKEN', pageSize: 500 },
      },
    ],
  });
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: config.kafka.clientId, logger });
  const env = {
    CRM_TOKEN: 'bench-crm',
    POSSE_TOKEN: 'bench-posse',
    CRM_WEBHOOK_TOKEN: 'bench-crm-bell',
    POSSE_WEBHOOK_TOKEN: 'bench-posse-bell',
  };
  const worker = new Worker({ config, logger, messaging, env });
  const ops = new OpsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: worker.metrics,
    readiness: () => worker.readiness(),
    pause: (n) => worker.pause(n),
    resume: (n) => worker.resume(n),
    webhooks: webhookTokens(config, env),
    wake: (n) => worker.wake(n),
  });
  const opsUrl = await ops.start();
  await worker.start();
  if (o.push) {
    crm.webhook.configure({ url: `${opsUrl}/hooks/crm-rest`, token: env.CRM_WEBHOOK_TOKEN });
    posse.webhook.configure({ url: `${opsUrl}/hooks/posse`, token: env.POSSE_WEBHOOK_TOKEN });
  }
  const rss = rssSampler();
  const r = seededRandom(o.seed);
  const pick = typePicker(profile, r);
  const lastOfType = new Map<string, string>();
  let tickets = 0;
  let offered = 0;
  try {
    const rate = o.rate;
    const started = performance.now();
    const until = started + (o.warmupSeconds + o.seconds) * 1000;
    // Simulator time (wall clock) from which events count.
    const measuredFrom = Date.now() + o.warmupSeconds * 1000;
    let atMeasuredFrom: SinkWaitTotals | null = null;
    // Department work goes first; new tickets fill the rest of each slot's budget.
    while (performance.now() < until) {
      if (atMeasuredFrom === null && Date.now() >= measuredFrom)
        atMeasuredFrom = await sinkWaitTotals(worker.metrics, 'crm-rest');
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - offered;
      let budget = Math.min(due, 2_000);
      const moved = posse.advance(Math.max(0, Math.floor(budget * 0.85)));
      budget -= moved;
      offered += moved;
      for (; budget > 0; budget -= 1) {
        const type = pick();
        const t = crm.createTicket({
          serviceCode: type.serviceCode,
          description: 'Reported through the 311 app.',
          requestedAt: Date.now(),
          contact: { name: 'A resident', email: 'resident@example.org', phone: '410-555-0100' },
        });
        tickets += 1;
        offered += 1;
        const parent = lastOfType.get(type.serviceCode);
        if (parent && r() < profile.duplicateShare && budget > 1) {
          crm.declareDuplicate(t.id, parent);
          budget -= 1;
          offered += 1;
        } else lastOfType.set(type.serviceCode, t.id);
      }
      await sleep(10);
    }
    const offeredMs = performance.now() - started;
    // Drained once the CRM has applied nothing new for two seconds.
    const drainStart = performance.now();
    let last = -1;
    let quietSince = performance.now();
    while (performance.now() - quietSince < 2_000) {
      if (crm.applied.length !== last) {
        last = crm.applied.length;
        quietSince = performance.now();
      }
      await sleep(100);
    }
    const drainMs = performance.now() - drainStart - 2_000;
    const latencies = latenciesOf(crm, posse, (at) => at >= measuredFrom);
    const warm = latenciesOf(crm, posse, (at) => at < measuredFrom);
    const stages = await stageLatencies(
      messaging,
      new AvroSerde({ url: e.registryUrl }),
      config,
      crm,
      posse,
      (at) => at >= measuredFrom,
    );
    const sinkWaits = sinkWaitsBetween(
      atMeasuredFrom ?? (await sinkWaitTotals(worker.metrics, 'crm-rest')),
      await sinkWaitTotals(worker.metrics, 'crm-rest'),
    );
    const sourceEvents = crm.changes.filter((c) => c.actor === 'agent').length + posse.changes.length;
    return {
      offeredPerSecond: o.rate,
      push: o.push,
      webhooks: { rung: crm.webhook.sent + posse.webhook.sent, failed: crm.webhook.failed + posse.webhook.failed },
      seconds: o.seconds,
      warmup: {
        seconds: o.warmupSeconds,
        samples: warm.length,
        p99Ms: Math.round(nearestRank(warm, 99) ?? Number.NaN),
      },
      tickets,
      sourceEvents,
      eventsPerSecond: Math.round((sourceEvents / (offeredMs + Math.max(0, drainMs))) * 1000),
      statusesApplied: crm.applied.length,
      latencySamples: latencies.length,
      p50Ms: Math.round(nearestRank(latencies, 50) ?? Number.NaN),
      p95Ms: Math.round(nearestRank(latencies, 95) ?? Number.NaN),
      p99Ms: Math.round(nearestRank(latencies, 99) ?? Number.NaN),
      maxMs: Math.round(latencies.at(-1) ?? Number.NaN),
      drainMs: Math.round(Math.max(0, drainMs)),
      peakRssMb: rss.stop(),
      stages,
      sinkWaits,
    };
  } finally {
    rss.stop();
    crm.webhook.configure({ url: null });
    posse.webhook.configure({ url: null });
    await ops.stop();
    await worker.stop();
    await Promise.all([crm.stop(), posse.stop()]);
    const admin = messaging.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    await admin.disconnect();
  }
}

/**
 * Event time to CRM application, per applied update whose event time `counts`, sorted; matched by
 * correlation id.
 */
function latenciesOf(crm: CrmSimulator, posse: PosseSimulator, counts: (eventAt: number) => boolean): number[] {
  const out: number[] = [];
  for (const a of crm.applied) {
    const m = /^(crm-rest|posse):[^:]+:(\d+)$/.exec(a.correlationId ?? '');
    if (!m) continue;
    const seq = Number(m[2]);
    const at = m[1] === 'crm-rest' ? crm.changes[seq - 1]?.at : posse.changes[seq - 1]?.at;
    if (at !== undefined && counts(at)) out.push(a.at - at);
  }
  return out.sort((x, y) => x - y);
}
