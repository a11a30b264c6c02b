import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { runAlerts } from '../../../src/cli/alerts-command.ts';
import { runOps } from '../../../src/cli/ops-commands.ts';
import { AvroSerde } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { openAlerts } from '../../../src/ops/index.ts';
import { TOKENS } from '../../support/bridge-run.ts';
import { metric, readiness, startFaultWorker, type FaultWorker } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { testConfig } from '../../support/processor.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

/** A proxy in front of the CRM that answers 503 to the status updates of the tickets in `failing`. */
async function failingProxy(target: string) {
  const to = new URL(target);
  const failing = new Set<string>();
  const server = http.createServer((req, res) => {
    const ticket = /^\/api\/v1\/tickets\/([^/]+)\/status$/.exec(req.url ?? '')?.[1];
    if (req.method === 'PUT' && ticket && failing.has(ticket)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
      return;
    }
    const options = { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers };
    const up = http.request(options, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, failing, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const exhaustedOf = (w: FaultWorker) => w.worker.status().sinks['crm-rest']?.exhausted ?? [];
const exhaustedReasons = async (w: FaultWorker) =>
  (await readiness(w.url)).reasons.filter((r) => r.includes('delivery exhausted'));
const GAUGE = 'closeloop_delivery_exhausted{connector="crm-rest"}';

describe('fault: a record given up on by one worker of two, delivered by the other', () => {
  it('clears the DELIVERY_EXHAUSTED alert everywhere, and a worker started later does not take it back', async () => {
    const crm = new CrmSimulator({ token: TOKENS.CRM_API_TOKEN });
    const posse = new PosseSimulator({ token: TOKENS.POSSE_API_TOKEN });
    const [crmUrl, posseUrl] = await Promise.all([crm.start(), posse.start()]);
    cleanup.push(() => Promise.all([crm.stop(), posse.stop()]));
    const proxy = await failingProxy(crmUrl);
    cleanup.push(() => proxy.stop());
    const crmEntry = {
      name: 'crm-rest',
      config: { baseUrl: proxy.url, jurisdiction: 'testville', timeoutMs: 2_000 },
      maxDeliveryCycles: 1,
    };
    const posseEntry = {
      name: 'posse',
      config: { baseUrl: posseUrl, jurisdiction: 'testville', departments: ['housing'], timeoutMs: 2_000 },
    };
    const { config } = await testConfig(3, 30, { connectors: [crmEntry, posseEntry] });
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const serde = new AvroSerde({ ...config.schemaRegistry });
    const open = async () =>
      (await openAlerts(messaging, admin, serde, config.topics.alerts)).filter(
        (a) => a.reason === 'DELIVERY_EXHAUSTED',
      );
    const logger = createLogger({ level: 'silent' });
    const quiet = () => undefined;

    // Two workers on one config, as in a rolling deploy or two replicas: one consumer group.
    const running = new Set<FaultWorker>();
    const start = async () => {
      const w = await startFaultWorker(config);
      running.add(w);
      return w;
    };
    const stop = async (w: FaultWorker) => {
      running.delete(w);
      await w.stop();
    };
    cleanup.push(async () => {
      for (const w of [...running]) await stop(w);
    });
    const [w1, w2] = [await start(), await start()];

    // The CRM refuses this ticket's status update while answering its health probe.
    const victim = crm.createTicket({ serviceCode: 'GRASS' }).id;
    proxy.failing.add(victim);
    await until(
      'the status given up on',
      () => [w1, w2].some((w) => w.worker.status().sinks['crm-rest']?.deadLettered),
      90_000,
    );
    const owner = w1.worker.status().sinks['crm-rest']?.deadLettered ? w1 : w2;
    const other = owner === w1 ? w2 : w1;
    const alertId = `${victim}|DELIVERY_EXHAUSTED|v1`;
    await untilAsync('the alert on the topic', async () => (await open()).some((a) => a.alertId === alertId), 30_000);

    // Its owner goes (a rolling deploy), and the other takes its partitions. The cause fixed, the
    // operator replays the dead letter, as the README says: the other worker delivers it.
    proxy.failing.delete(victim);
    await stop(owner);
    const replay = { code: 'CL_DELIVERY_EXHAUSTED', ticket: victim, by: 'operator@city' };
    expect(await runOps('dlq', 'replay', replay, config, logger, quiet)).toBe(0);
    await until('the status delivered', () => (crm.tickets.get(victim)?.statusVersion ?? 0) >= 1, 60_000);
    await untilAsync('the alert cleared on the topic', async () => (await open()).length === 0, 30_000);
    expect(exhaustedOf(other)).toEqual([]);
    expect(await exhaustedReasons(other)).toEqual([]);
    expect(await metric(other.url, GAUGE)).toBe(0);

    // A worker started now reads nothing open back.
    const w3 = await start();
    expect(exhaustedOf(w3)).toEqual([]);
    expect(await exhaustedReasons(w3)).toEqual([]);
    expect(await metric(w3.url, GAUGE)).toBe(0);

    // A record that will never be delivered: the operator acknowledges its alert, and every worker drops it.
    const lost = crm.createTicket({ serviceCode: 'GRASS' }).id;
    proxy.failing.add(lost);
    const lostId = `${lost}|DELIVERY_EXHAUSTED|v1`;
    await untilAsync(
      'the second alert on the topic',
      async () => (await open()).some((a) => a.alertId === lostId),
      90_000,
    );
    // Both show it, the one that did not raise it within the refresh period, with the id to acknowledge.
    await until('both workers show it', () => [other, w3].every((w) => exhaustedOf(w).length === 1), 45_000);
    for (const w of [other, w3])
      expect(await exhaustedReasons(w)).toEqual([expect.stringContaining(`(alert ${lostId})`)]);
    const said: string[] = [];
    const ack = { id: lostId, by: 'operator@city' };
    expect(
      await runAlerts(
        'ack',
        config,
        logger,
        (l) => said.push(l),
        (l) => said.push(l),
        ack,
      ),
    ).toBe(0);
    expect(said).toEqual([`acknowledged ${lostId} by operator@city`]);
    for (const w of [other, w3]) await w.worker.refreshDeliveryAlertsNow();
    expect([exhaustedOf(other), exhaustedOf(w3)]).toEqual([[], []]);
    expect(await open()).toEqual([]);
  }, 300_000);
});
