import { describe, expect, it } from 'vitest';
import { closeloopConfigSchema } from '../../../src/config/index.ts';
import type { ConsumerHealth } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeStatusReadiness, StatusOps, type FeedView } from '../../../src/status-api/ops.ts';
import { startStatusService, type StatusService } from '../../../src/status-api/index.ts';
import { metric, readiness } from '../../support/fault-worker.ts';
import { freePorts } from '../../support/ports.ts';
import { untilAsync } from '../../support/wait.ts';
import { statusTopic } from './feed-fixture.ts';
import { status } from './fixtures.ts';
import { statusApiSettings } from '../../support/status-api.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const READING: ConsumerHealth = { state: 'reading', failingForMs: 0, reason: null };
const FAILING: ConsumerHealth = { state: 'failing', failingForMs: 42_400, reason: 'fetching: broker gone' };
const SERIES = 'closeloop_consumer_failing{consumer="status-feed"}';

describe('statusApi.ops config', () => {
  it('is on by default on loopback, apart from the public port, and off turns it off', () => {
    const section = closeloopConfigSchema.shape.statusApi;
    expect(section.parse({})?.ops).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(section.parse({ ops: {} })?.ops).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(section.parse({ ops: { port: 9500 } })?.ops).toEqual({ host: '127.0.0.1', port: 9500 });
    expect(section.parse({ ops: 'off' })?.ops).toBeNull();
    expect(section.safeParse({ ops: { port: 9500, path: '/x' } }).success).toBe(false);
  });

  // A header kept with its body commented out: no readiness and no metrics, with nothing said.
  it('refuses an empty section, saying how to turn it off or keep the defaults', () => {
    const parsed = closeloopConfigSchema.shape.statusApi.safeParse({ ops: null });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'ops',
        "empty (null): write `ops: off` to turn the status API's operator listener off, or give its settings " +
          '(leave the section out, or write `ops: {}`, for the defaults)',
      ],
    ]);
  });
});

describe('status API readiness', () => {
  it('is not ready before the feed has caught up, nor before the public server listens', () => {
    expect(judgeStatusReadiness({ phase: 'starting', caughtUp: false, consumer: null })).toEqual({
      ready: false,
      reasons: ['status api starting', 'status feed not caught up'],
    });
    expect(judgeStatusReadiness({ phase: 'starting', caughtUp: true, consumer: READING }).reasons).toEqual([
      'status api starting',
    ]);
  });

  it('names a failing feed consumer, how long and why, and is ready again once it reads', () => {
    expect(judgeStatusReadiness({ phase: 'running', caughtUp: true, consumer: FAILING })).toEqual({
      ready: false,
      reasons: ['status feed consumer failing for 42 s: fetching: broker gone'],
    });
    expect(judgeStatusReadiness({ phase: 'running', caughtUp: true, consumer: READING })).toEqual({
      ready: true,
      reasons: [],
    });
  });

  it('serves readiness and the gauges on its own listener, counting skipped records once each', async () => {
    const feed: { -readonly [K in keyof FeedView]: FeedView[K] } & { now: ConsumerHealth } = {
      caughtUp: true,
      undecodable: 2,
      unbelievedDates: 1,
      now: FAILING,
      health: () => feed.now,
    };
    const ops = new StatusOps({ host: '127.0.0.1', port: 0, feed, projection: { size: 7 }, defaultMetrics: false });
    const url = await ops.start();
    cleanup.push(() => ops.stop());
    ops.running();
    expect(await readiness(url)).toEqual({
      status: 503,
      reasons: ['status feed consumer failing for 42 s: fetching: broker gone'],
    });
    expect(await metric(url, SERIES)).toBe(1);
    expect(await metric(url, 'closeloop_status_api_tickets')).toBe(7);
    expect(await metric(url, 'closeloop_status_feed_undecodable_total')).toBe(2);
    expect(await metric(url, 'closeloop_status_feed_unbelieved_dates_total')).toBe(1);
    feed.now = READING;
    feed.undecodable = 3;
    expect(await readiness(url)).toEqual({ status: 200, reasons: [] });
    expect(await metric(url, SERIES)).toBe(0);
    expect(await metric(url, 'closeloop_status_feed_undecodable_total')).toBe(3);
    // Operators only: no admin endpoints, no public routes.
    expect((await fetch(`${url}/admin/connectors/x/pause`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/requests.json`)).status).toBe(404);
  });
});

describe('status API ops listener over a real feed (in-memory messaging)', () => {
  it('answers while the feed restores, names its failing consumer, and turns ready once it reads again', async () => {
    const topic = await statusTopic(cleanup, async (serde, subject) => [await serde.encode(subject, status('T1', 1))]);
    topic.registry.down = true;
    const [opsPort = 0] = await freePorts(1);
    const settings = statusApiSettings({ ops: { host: '127.0.0.1', port: opsPort } });
    const logger = createLogger({ level: 'silent' });
    const starting = startStatusService(topic.config, settings, topic.messaging, logger);
    // Awaited below; a start that fails meanwhile is reported there, not as an unhandled rejection.
    starting.catch(() => undefined);
    cleanup.push(async () => (await starting).stop());
    const url = `http://127.0.0.1:${opsPort}`;
    // Bound before the feed has read anything: the process says why it is not serving yet.
    await untilAsync(
      'the ops listener',
      () =>
        fetch(`${url}/health/live`).then(
          (r) => r.ok,
          () => false,
        ),
      5_000,
    );
    await untilAsync(
      'the feed consumer failing',
      async () =>
        (await readiness(url)).reasons.some((r) =>
          /^status feed consumer failing for \d+ s: handling batches of .+\/0: decoding a record/.test(r),
        ),
      5_000,
    );
    expect((await readiness(url)).reasons).toContain('status feed not caught up');
    expect(await metric(url, SERIES)).toBe(1);
    expect(await metric(url, 'closeloop_status_feed_caught_up')).toBe(0);

    topic.registry.down = false;
    const service: StatusService = await starting;
    expect(service.opsUrl).toBe(url);
    await untilAsync('ready', async () => (await readiness(url)).status === 200, 5_000);
    expect(await metric(url, SERIES)).toBe(0);
    expect(await metric(url, 'closeloop_status_feed_caught_up')).toBe(1);
    expect(await metric(url, 'closeloop_status_api_tickets')).toBe(1);
    expect(await metric(url, 'closeloop_status_feed_undecodable_total')).toBe(0);
  });
});
