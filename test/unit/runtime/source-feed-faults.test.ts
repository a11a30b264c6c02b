import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { createInMemoryMessaging, readSchemaFile, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'crm.ticket-events.v1';

type Answer = (url: URL, res: http.ServerResponse) => void;

/** A CRM whose answers the test sets as it goes: a system misbehaving the way real ones do. */
async function crmServer(): Promise<{ url: string; answer: (a: Answer) => void; calls: () => number }> {
  let answer: Answer = (_, res) => res.end('{"changes":[],"nextCursor":0}');
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls += 1;
    res.setHeader('content-type', 'application/json');
    answer(new URL(req.url ?? '/', 'http://crm'), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, answer: (a) => (answer = a), calls: () => calls };
}

async function crmRunner(url: string) {
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic: TOPIC, partitions: 1 }]);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  const config = parseConnectorConfig('crm-rest', crmRest.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    pageSize: 2,
  });
  const logger = createLogger({ level: 'silent' });
  const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 't' }, clock: Date.now });
  if (!source) throw new Error('crm-rest has no source');
  const metrics = new Metrics({ defaults: false });
  const runner = new SourceRunner({
    connector: 'crm-rest',
    cursorKey: 'crm-rest:testville',
    topic: TOPIC,
    source,
    messaging,
    serde,
    logger,
    metrics,
    pollIntervalMs: 10,
    probeIntervalMs: 10,
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  await runner.start();
  cleanup.push(() => runner.stop());
  const topicRecords = async () => {
    let n = 0;
    await readToEnd(messaging, admin, TOPIC, 'all', () => void (n += 1));
    return n;
  };
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'crm-rest', kind: 'source', ...runner.status() }],
    });
  return { runner, metrics, topicRecords, readiness };
}

describe('source runner against a feed that misbehaves', () => {
  // The runner ended only unavailable and credentials pauses on a poll that answered, so after a
  // redirect a quiet feed stayed paused (and not ready) until a record was published.
  it('ends an endpoint pause with the first poll that answers, on a feed with nothing new', async () => {
    const crm = await crmServer();
    crm.answer((_, res) => {
      res.writeHead(302, { location: 'https://sso.city.example/login' });
      res.end();
    });
    const { runner, readiness } = await crmRunner(crm.url);
    await until('the endpoint pause', () => runner.status().pausedBy === 'endpoint', 3_000);
    expect(readiness().ready).toBe(false);

    crm.answer((_, res) => res.end('{"changes":[],"nextCursor":0}'));
    await until('resumed', () => runner.status().state === 'running', 3_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, pauses: [], error: null, published: 0 });
    expect(readiness()).toEqual({ ready: true, reasons: [] });
  });
});
