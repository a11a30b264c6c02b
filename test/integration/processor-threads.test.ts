import { AggregatorRegistry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { opsServerFor } from '../../src/observability/process-ops.ts';
import { ThreadedProcessor } from '../../src/processor/index.ts';
import { Worker } from '../../src/worker/worker.ts';
import { exited, jsonLines, nodeChild } from '../support/child.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { Bridge, crm, openedTickets, workedTickets } from '../support/domain.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { awaitCount, feed, readCommitted, SCHEMAS, step, testConfig } from '../support/processor.ts';
import { untilAsync } from '../support/wait.ts';

const messaging = testMessaging();
const cleanup = cleanupAfter('all');
const running: ThreadedProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

const key = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;
const sorted = (xs: readonly TicketStatusChange[]) => xs.map(key).sort();

function threaded(config: Awaited<ReturnType<typeof testConfig>>, env: Record<string, string> = {}): ThreadedProcessor {
  const p = new ThreadedProcessor({
    config: config.config,
    configFile: config.file,
    env: { ...process.env, ...env },
    logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    messaging: testMessaging(),
    serde: new AvroSerde({ url: endpoints().registryUrl }),
    schemasDir: SCHEMAS,
    metrics: true,
  });
  running.push(p);
  return p;
}

describe('the lifecycle processor on worker threads', () => {
  it('shares the partitions between its threads and yields each status change exactly once', async () => {
    const setup = await testConfig(4, 30, { threads: 2 });
    const { config } = setup;
    const expected = new Bridge(config.policy);
    const processor = threaded(setup);
    await processor.start();
    expect(await processor.nextAssignment()).toEqual([0, 1, 2, 3]);
    const [first, second] = processor.partitionsByThread();
    expect(first?.length).toBeGreaterThan(0);
    expect(second?.length).toBeGreaterThan(0);
    expect(processor.isReady()).toBe(true);

    const inputs = [openedTickets('T', 40), workedTickets('T', 40)];
    for (const events of inputs) await step(config, messaging, expected, events, 90_000);
    // Each thread reports what it holds every half second: both halves add up to every ticket.
    await untilAsync(
      'the threads to report the 40 tickets they hold',
      async () => [...processor.ticketsInState().values()].reduce((a, b) => a + b, 0) === 40,
      10_000,
    );
    expect(processor.consumerHealth()?.state).toBe('reading');
    // The threads' metrics, gathered as the ops port does, count every input record once.
    const merged = AggregatorRegistry.aggregate(await processor.metricSnapshots());
    const processed = (await merged.getSingleMetric('closeloop_records_processed_total')?.get())?.values ?? [];
    expect(processed.reduce((n, v) => n + v.value, 0)).toBe(inputs.flat().length);

    await processor.stop();
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(sorted(values)).toEqual(sorted(expected.statuses));
    expect(new Set(values.map(key)).size).toBe(values.length);
  }, 240_000);

  it('quarantines NO_CONNECTOR on its threads as the main thread’s config would, sending nothing no sink reads', async () => {
    const setup = await testConfig(2, 30, { threads: 2 });
    // As a worker's config loaded with the connectors' checks: only POSSE's housing is served.
    const served = { ...setup.config, policy: { ...setup.config.policy, served: ['posse/housing'] } };
    const processor = threaded({ ...setup, config: served });
    await processor.start();
    const potholes = Array.from({ length: 4 }, (_, i) => crm(`NC-${i}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await feed(served, messaging, potholes);
    await awaitCount(messaging, served.topics.status, 4);
    await processor.stop();
    const { values } = await readCommitted<{ kind: string; system: string | null }>(
      messaging,
      served.topics.quarantine,
    );
    expect(values.filter((v) => v.kind === 'NO_CONNECTOR').map((v) => v.system)).toEqual(Array(4).fill('maximo'));
    expect((await readCommitted(messaging, served.topics.commands)).values).toEqual([]);
  }, 240_000);

  it('moves a lost thread’s partitions to the others and says it was lost', async () => {
    const setup = await testConfig(4, 30, { threads: 2 });
    const { config } = setup;
    const expected = new Bridge(config.policy);
    const opened = openedTickets('L', 40);
    for (const e of opened) expected.send(e);
    // Thread 1 ends itself before its second commit, its transaction open.
    const processor = threaded(setup, { CLOSELOOP_FAULT_THREAD: '1', CLOSELOOP_FAULT_EXIT_BEFORE_COMMIT: '2' });
    await processor.start();
    // Both threads own partitions before any record comes, so thread 1 has commits to make.
    await processor.nextAssignment();
    await feed(config, messaging, opened);
    await untilAsync(
      'the lost thread to show in the consumer health',
      async () => processor.consumerHealth()?.state === 'failing',
      60_000,
    );
    expect(processor.consumerHealth()?.reason).toMatch(/processor thread 1 exited \(code 70\)/);
    expect(processor.isReady()).toBe(false);
    // Once its session lapses, thread 0 owns every partition and the tickets move on.
    expect(await processor.nextAssignment()).toEqual([0, 1, 2, 3]);
    // The loss is dated from the thread's end, a session time-out (6 s) before the move.
    expect(processor.consumerHealth()?.failingForMs).toBeGreaterThanOrEqual(1_000);
    // The lost thread still stands in the metrics, with its counters as it last reported them.
    const snapshots = await processor.metricSnapshots();
    expect(snapshots).toHaveLength(2);
    expect(snapshots[1]?.every((m) => ['counter', 'histogram'].includes(String(m.type)))).toBe(true);
    await step(config, messaging, expected, workedTickets('L', 40), 90_000);
    await processor.stop();
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(sorted(values)).toEqual(sorted(expected.statuses));
    expect(new Set(values.map(key)).size).toBe(values.length);
  }, 240_000);

  it('serves its threads’ metrics and readiness on the worker’s ops port', async () => {
    // A ticket counts as stuck once ROUTED for 0.6 s: each thread's open alerts reach readiness.
    const sentinel = {
      stateLimitsMinutes: { ROUTED: 0.01 },
      statusUnconfirmedMinutes: 'off',
      workOrderSilenceMinutes: 'off',
    };
    const setup = await testConfig(2, 30, { threads: 2, sentinel });
    const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
    // Each thread loads the config file for itself: without the file there is nothing to load.
    expect(() => new Worker({ config: setup.config, logger, messaging: testMessaging() })).toThrow(
      /processor.threads > 1 needs the config file/,
    );
    const worker = new Worker({ config: setup.config, configFile: setup.file, logger, messaging: testMessaging() });
    const ops = opsServerFor({ host: '127.0.0.1', port: 0 }, worker, logger);
    const url = await ops.start();
    try {
      await worker.start();
      await worker.processor.nextAssignment();
      const opened = openedTickets('W', 20);
      const expected = new Bridge(setup.config.policy);
      for (const e of opened) expected.send(e);
      await feed(setup.config, messaging, opened);
      await awaitCount(messaging, setup.config.topics.status, expected.statuses.length, 60_000);
      await untilAsync('the threads to report the 20 tickets', async () => worker.status().tickets === 20, 10_000);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const text = await (await fetch(`${url}/metrics`)).text();
      const sum = (name: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith(name) && !l.startsWith('#'))
          .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      // Counted in the threads, summed on the main thread's port; the process's own metrics once.
      expect(sum('closeloop_records_processed_total')).toBe(opened.length);
      expect(sum('closeloop_tickets_in_state')).toBe(20);
      expect(text.match(/^closeloop_process_start_time_seconds /gm)).toHaveLength(1);

      // Both threads' tickets are stuck (no department answers): readiness adds their alerts up
      // and names the oldest few of all, as each thread last reported them.
      let alerts: { open?: number; byReason?: unknown; oldest?: { ticketId: string }[] } = {};
      await untilAsync('readiness to show the 20 stuck tickets', async () => {
        await worker.processor.checkTimersNow();
        alerts = ((await (await fetch(`${url}/health/ready`)).json()) as { alerts: typeof alerts }).alerts;
        return alerts.open === 20;
      });
      expect(alerts.byReason).toEqual({ STUCK_ROUTED: 20 });
      expect(alerts.oldest).toHaveLength(5);
      const ids = new Set(opened.map((e) => (e.type === 'crm' ? e.event.ticketId : '')));
      expect(alerts.oldest?.every((a) => ids.has(a.ticketId))).toBe(true);
    } finally {
      await ops.stop();
      await worker.stop();
    }
  }, 120_000);

  it('runs on threads as `npm run processor` and stops cleanly on SIGTERM', async () => {
    const setup = await testConfig(2, 30, { threads: 2 });
    const opened = openedTickets('P', 10);
    const expected = new Bridge(setup.config.policy);
    for (const e of opened) expected.send(e);
    await feed(setup.config, messaging, opened);
    const run = nodeChild(['src/processor/main.ts', '--config', setup.file], {
      env: { LOG_LEVEL: 'info' },
      onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
    });
    await awaitCount(messaging, setup.config.topics.status, expected.statuses.length, 60_000);
    run.child.kill('SIGTERM');
    const end = await exited(run, 'the threaded processor after SIGTERM', 60_000);
    expect(end.code).toBe(0);
    const lines = jsonLines<{ msg?: string; thread?: number }>(end.stdout);
    const stopped = lines.filter((l) => l.msg === 'lifecycle processor stopped').map((l) => l.thread);
    expect(stopped.sort()).toEqual([0, 1]);
    expect(lines.some((l) => l.msg === 'lifecycle processor threads stopped')).toBe(true);
  }, 120_000);
});
