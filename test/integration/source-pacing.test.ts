import { describe, expect, it } from 'vitest';
import { posse } from '../../connectors/posse/index.ts';
import { posseConfig } from '../../connectors/posse/config.ts';
import { PosseSimulator } from '../../connectors/posse/simulator.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { OpsServer } from '../../src/observability/ops-server.ts';
import { SourceRunner } from '../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../src/sdk/index.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { until } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const FEED = 'GET /posse/api/changes';
const logger = createLogger({ level: 'silent' });

// The POSSE simulator and a source runner on the real broker and registry. Polls are counted
// where the system sees them, at the simulator, so the pace is checked without timing anything.
async function setUp(pace: { pollIntervalMs: number; busyPollIntervalMs: number }) {
  const messaging = testMessaging();
  const sim = new PosseSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const topic = uniqueName('it.pacing.dept.work-order-events.v1');
  const admin = messaging.admin();
  await admin.connect();
  await admin.ensureTopics([{ topic, partitions: 1 }]);
  await admin.disconnect();
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  await serde.register(subjectForTopic(topic), (await readSchemaFile('schemas/dept.work-order-events.v1.avsc')).schema);
  const config = parseConnectorConfig('posse', posseConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    tokenEnv: 'POSSE_TOKEN',
    pageSize: 2,
    timeoutMs: 1_000,
  });
  const source = posse.source?.(config, { logger, env: { POSSE_TOKEN: 'tok' }, clock: Date.now });
  if (!source) throw new Error('no source');
  const runner = new SourceRunner({
    connector: 'posse',
    cursorKey: 'posse:testville',
    cursorTopic: uniqueName('it.pacing.cursors'),
    topic,
    source,
    messaging,
    serde,
    logger,
    ...pace,
    pollBackoff: 2,
  });
  cleanup.push(() => runner.stop());
  // Jobs the department then moves one step each: every step is one change in the feed.
  const jobs = async (n: number, from: number) => {
    for (let i = from; i < from + n; i += 1) {
      const res = await fetch(`${url}/posse/api/jobs`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: JSON.stringify({
          externalRef: `WO-${i}`,
          ticketId: `SR-${i}`,
          department: 'housing',
          serviceCode: 'HCD-SANITATION',
          description: null,
          priority: 3,
        }),
      });
      expect(res.status).toBe(201);
    }
  };
  return { sim, runner, jobs, polls: () => sim.server.calls.get(FEED) ?? 0 };
}

describe('source polling pace and the webhook doorbell', () => {
  it('drains a backlog page after page without waiting, then polls at once when the webhook rings', async () => {
    // Any wait between polls is a minute long: only full pages and the doorbell can make progress.
    const { sim, runner, jobs, polls } = await setUp({ pollIntervalMs: 60_000, busyPollIntervalMs: 60_000 });
    await jobs(10, 1);
    expect(sim.advance(10)).toBe(10);
    await runner.start();
    // Five full pages, each polled straight after the last, and one empty poll: then it waits.
    // Polls are counted as they reach the simulator, before the runner has read the answer, so the
    // wait is what to wait for; the counts then show how it got there.
    await until('the runner to wait after the backlog', () => runner.status().pollDelayMs === 60_000);
    expect(runner.status().published).toBe(10);
    expect(polls()).toBe(6);

    // The simulator rings the worker's webhook on each new change; the doorbell ends the wait.
    const ops = new OpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new Metrics({ defaults: false }),
      readiness: () => ({ ready: true, detail: {} }),
      pause: () => true,
      resume: () => true,
      webhooks: new Map([['posse', 'bell']]),
      wake: (connector) => (connector === 'posse' ? (runner.wake(), true) : false),
    });
    const opsUrl = await ops.start();
    cleanup.push(() => ops.stop());
    sim.webhook.configure({ url: `${opsUrl}/hooks/posse`, token: 'bell' });
    expect(sim.advance(3)).toBe(3);
    await until('the rung changes to be published', () => runner.status().published === 13, 20_000);
    expect(sim.webhook.sent).toBeGreaterThanOrEqual(1);
    expect(sim.webhook.failed).toBe(0);
    expect(runner.status().cursor).toBe('13');
  }, 60_000);

  it('backs off on an empty feed, doubling the wait up to the idle interval, and speeds up on records', async () => {
    const { sim, runner, jobs, polls } = await setUp({ pollIntervalMs: 320, busyPollIntervalMs: 20 });
    await runner.start();
    // Empty polls wait 40, 80, 160, then 320 ms: four polls where a fixed 20 ms pace makes 14.
    await until('the back-off to reach the idle interval', () => runner.status().pollDelayMs === 320);
    expect(polls()).toBe(4);
    await until('two polls at the idle pace', () => polls() === 6);
    expect(runner.status().pollDelayMs).toBe(320);

    await jobs(1, 1);
    sim.advance(1);
    await until('the change to be published', () => runner.status().published === 1);
    // A partial page: the next poll comes after the busy interval, and the back-off starts over.
    await until('the pace to quicken', () => runner.status().pollDelayMs < 320);
    expect(runner.status().pollDelayMs).toBeLessThanOrEqual(40);
  }, 60_000);
});
