import { describe, expect, it } from 'vitest';
import { AvroSerde, createInMemoryMessaging, type Messaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { judgeReadiness } from '../../src/observability/readiness.ts';
import { SourceRunner } from '../../src/runtime/index.ts';
import type { Source } from '../../src/sdk/index.ts';
import { WorkerSources } from '../../src/worker/worker-sources.ts';
import { SilenceWatch } from '../../src/worker/silence-watch.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { testConfig } from '../support/processor.ts';
import { until } from '../support/wait.ts';

const cleanup = cleanupAfter('each');
const logger = createLogger({ level: 'silent' });

/** A source with nothing new: its first poll stores a cursor, the rest find nothing. */
function quietSource(polls: { n: number }): Source<unknown> {
  return {
    poll: async (cursor) => {
      polls.n += 1;
      return { records: [], cursor: cursor ?? 'c0' };
    },
    health: async () => ({ status: 'up' }),
  };
}

/** A source whose every poll moves its cursor on with nothing to publish but the cursor: each poll writes. */
function movingSource(polls: { n: number }): Source<unknown> {
  return {
    poll: async () => {
      polls.n += 1;
      // Nothing more waiting: the runner waits its interval before the next poll.
      return { records: [], cursor: `c${polls.n}`, more: false };
    },
    health: async () => ({ status: 'up' }),
  };
}

type Config = Awaited<ReturnType<typeof testConfig>>['config'];

/** The runner a worker builds for `connector`, on a source of `kind`. */
function runnerFor(messaging: Messaging, config: Config, connector: string, source: Source<unknown>, metrics: Metrics) {
  return new SourceRunner({
    connector,
    cursorKey: `${connector}:testville`,
    cursorTopic: config.topics.cursors,
    topic: config.topics.crmEvents,
    source,
    pollIntervalMs: 5,
    // Long: a runner still fenced after a moment has waited for this, not been replaced.
    fencedRetryMs: 60_000,
    messaging,
    serde: new AvroSerde({ url: 'http://127.0.0.1:9' }),
    logger,
    metrics,
  });
}

/** One worker's sources (`crm-rest` unless told), as the worker builds them, counting the runners built. */
async function workerSources(
  messaging: Messaging,
  config: Config,
  connectors: readonly string[] = ['crm-rest'],
  kind: 'quiet' | 'moving' = 'quiet',
) {
  const metrics = new Metrics({ defaults: false });
  const polls = { n: 0 };
  const built = { n: 0 };
  // Set to make the next runners' start fail (Kafka down at that moment), counting down.
  const failStarts = { n: 0 };
  const sources = new WorkerSources({ config, messaging, logger, metrics, restartRetryMs: 50 });
  for (const connector of connectors)
    sources.add(connector, () => {
      built.n += 1;
      const source = kind === 'quiet' ? quietSource(polls) : movingSource(polls);
      const runner = runnerFor(messaging, config, connector, source, metrics);
      if (failStarts.n > 0) {
        failStarts.n -= 1;
        runner.start = () => Promise.reject(new Error('injected: the broker is down'));
      }
      return runner;
    });
  return { sources, polls, built, metrics, failStarts };
}

/**
 * A worker holding the `crm-rest` lease whose runner another worker fenced meanwhile (its session
 * had lapsed) and then stopped: the runner sits paused `fenced`.
 */
async function fencedHolder() {
  const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
  const messaging = createInMemoryMessaging();
  await messaging.admin().ensureTopics([{ topic: config.topics.crmEvents, partitions: 3 }]);
  const holder = await workerSources(messaging, config, ['crm-rest'], 'moving');
  await holder.sources.start();
  cleanup.push(() => holder.sources.stop());
  await until('the holder polls', () => holder.sources.runs('crm-rest') && holder.polls.n > 1);
  const other = runnerFor(messaging, config, 'crm-rest', movingSource({ n: 1_000 }), holder.metrics);
  await other.start();
  await until('the holder fenced', () => holder.sources.status()['crm-rest']?.pauses.includes('fenced') ?? false);
  await other.stop();
  return { messaging, config, holder };
}

const views = (s: WorkerSources) =>
  Object.entries(s.status()).map(([connector, r]) => ({
    connector,
    kind: 'source' as const,
    ...r,
    consumer: s.leaseHealth(connector),
  }));

describe('WorkerSources', () => {
  it('runs the sources on one worker of two; the other stands by, ready, and says so', async () => {
    const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([{ topic: config.topics.crmEvents, partitions: 3 }]);
    const a = await workerSources(messaging, config);
    await a.sources.start();
    cleanup.push(() => a.sources.stop());
    const b = await workerSources(messaging, config);
    await b.sources.start();
    cleanup.push(() => b.sources.stop());
    const settled = () =>
      [a, b].filter((w) => w.sources.status()['crm-rest']?.state === 'running').length === 1 &&
      [a, b].filter((w) => w.sources.status()['crm-rest']?.state === 'standby').length === 1;
    await until('one running, one standing by', settled);
    const [holder, standby] = a.sources.runs('crm-rest') ? [a, b] : [b, a];
    await until('the holder polls', () => holder.polls.n > 1);
    expect(standby.polls.n).toBe(0);
    expect(standby.sources.lease('crm-rest')).toBe('standby');

    // Both ready: the standby is doing its job.
    const ready = (w: typeof a) =>
      judgeReadiness({
        phase: 'running',
        processorReady: true,
        brokerUp: true,
        registryUp: true,
        runners: views(w.sources),
      });
    expect(ready(standby)).toEqual({ ready: true, reasons: [] });
    expect(ready(holder)).toEqual({ ready: true, reasons: [] });

    // An operator's pause on the standby is answered as not running here; on the holder it pauses.
    expect(standby.sources.act('crm-rest', 'pause')).toBe('elsewhere');
    expect(standby.sources.elsewhereNote('crm-rest')).toMatch(/^crm-rest source is not running on this worker/);
    expect(holder.sources.act('crm-rest', 'pause')).toBe('changed');
    expect(holder.sources.act('crm-rest', 'pause')).toBe('unchanged');
    expect(holder.sources.act('crm-rest', 'resume')).toBe('changed');
    expect(holder.sources.act('other', 'pause')).toBe('unknown');

    // The holder stops: the standby builds a runner of its own and runs the source.
    const polled = standby.polls.n;
    await holder.sources.stop();
    await until('the standby took over', () => standby.sources.status()['crm-rest']?.state === 'running');
    expect(standby.built.n).toBe(1);
    await until('the new holder polls', () => standby.polls.n > polled + 1);
    expect(standby.sources.status()['crm-rest']?.cursor).toBe('c0');
  });

  it('runs each source on a worker configured with it: two workers with different sources both run theirs', async () => {
    const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([{ topic: config.topics.crmEvents, partitions: 3 }]);
    const a = await workerSources(messaging, config, ['crm-rest']);
    const b = await workerSources(messaging, config, ['posse']);
    for (const w of [a, b]) {
      await w.sources.start();
      cleanup.push(() => w.sources.stop());
    }
    await until('both sources running', () => a.sources.runs('crm-rest') && b.sources.runs('posse'));
    await until('both polling', () => a.polls.n > 1 && b.polls.n > 1);
    expect([a.sources.lease('crm-rest'), b.sources.lease('posse')]).toEqual(['holding', 'holding']);
  });

  it('replaces at once a runner fenced while the lease was elsewhere, when the lease comes back to it', async () => {
    const { messaging, config, holder } = await fencedHolder();
    // The lease is dealt again (a member joins) and stays with the holder: a new runner claims now.
    const joiner = await workerSources(messaging, config, ['crm-rest'], 'moving');
    await joiner.sources.start();
    cleanup.push(() => joiner.sources.stop());
    expect(joiner.sources.lease('crm-rest')).toBe('standby');
    await until('the holder running again, unfenced', () => {
      const s = holder.sources.status()['crm-rest'];
      return s?.state === 'running' && !s.pauses.includes('fenced');
    });
    expect(holder.built.n).toBe(2);
    const polled = holder.polls.n;
    await until('the new runner publishes', () => holder.polls.n > polled + 1);
  });

  it('tries again a replacement runner that failed to start, while the lease stays here', async () => {
    const { messaging, config, holder } = await fencedHolder();
    // The replacement's first two starts fail; the lease is dealt again only once (the join).
    holder.failStarts.n = 2;
    const joiner = await workerSources(messaging, config, ['crm-rest'], 'moving');
    await joiner.sources.start();
    cleanup.push(() => joiner.sources.stop());
    await until('the source running here again', () => holder.sources.status()['crm-rest']?.state === 'running');
    expect(holder.built.n).toBe(4);
    expect(holder.sources.lease('crm-rest')).toBe('holding');
  });

  it('keeps a pause given while the worker is still joining the lease, and runs the source paused', async () => {
    const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([{ topic: config.topics.crmEvents, partitions: 3 }]);
    const w = await workerSources(messaging, config);
    expect(w.sources.act('crm-rest', 'pause')).toBe('changed');
    expect(w.sources.act('crm-rest', 'pause')).toBe('unchanged');
    await w.sources.start();
    cleanup.push(() => w.sources.stop());
    expect(w.sources.status()['crm-rest']).toMatchObject({ state: 'paused', pausedBy: 'operator' });
    expect(w.polls.n).toBe(0);
    expect(w.sources.act('crm-rest', 'resume')).toBe('changed');
    await until('it polls once resumed', () => w.polls.n > 0);
  });

  it('joins no lease group without a source', async () => {
    const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
    const messaging = createInMemoryMessaging();
    const sources = new WorkerSources({ config, messaging, logger, metrics: new Metrics({ defaults: false }) });
    await sources.start();
    expect(sources.lease('crm-rest')).toBeNull();
    expect(await messaging.admin().groupMembers(`${config.processor.groupId}.crm-rest-source`)).toBe(0);
    await sources.stop();
  });
});

describe('SilenceWatch on a worker standing by', () => {
  it('neither raises nor shows the silence of a source it does not run', async () => {
    const { config } = await testConfig(3, 30, { brokers: '127.0.0.1:9', registryUrl: 'http://127.0.0.1:9' });
    const metrics = new Metrics({ defaults: false });
    let runs = false;
    const watch = new SilenceWatch({
      sources: [
        {
          connector: 'crm-rest',
          settings: { limitMinutes: 1, timeZone: 'UTC', hours: [] },
          departments: [],
          runs: () => runs,
          lastRecordAt: () => Date.now() - 3_600_000,
          lastPublishedAt: () => null,
        },
      ],
      config,
      messaging: createInMemoryMessaging(),
      serde: new AvroSerde({ url: 'http://127.0.0.1:9' }),
      metrics,
      logger,
    });
    await watch.check(Date.now());
    expect(watch.reasons()).toEqual([]);
    const silent = async () =>
      (await metrics.registry.getSingleMetric('closeloop_connector_silent')?.get())?.values[0]?.value;
    expect(await silent()).toBe(0);
    // Holding the lease, it watches (the alert cannot be written here: no registry, so it throws).
    runs = true;
    await expect(watch.check(Date.now())).rejects.toThrow();
  });
});
