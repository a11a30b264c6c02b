import { describe, expect, it, vi } from 'vitest';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  subjectForTopic,
  type Messaging,
  type MessageProducer,
  type SkippedRecords,
} from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { judgeReadiness } from '../../src/observability/readiness.ts';
import { acknowledgeAlert, openAlerts } from '../../src/ops/index.ts';
import { SinkRunner } from '../../src/runtime/index.ts';
import type { TicketStatusChange } from '../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../src/topics/index.ts';
import { SkippedWatch } from '../../src/processor/skipped-watch.ts';
import { Bridge, crm, testPolicy } from '../support/domain.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { testConfig } from '../support/processor.ts';
import { until } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('each');

async function setUp() {
  const { serde, url } = await startLoopback(cleanup);
  const { config } = await testConfig(1, 30, { brokers: 'in-memory:9092', registryUrl: url });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const messaging = createInMemoryMessaging({ rewindDelayMs: 5, logger });
  const admin = messaging.admin();
  const topic = config.topics.status;
  await admin.ensureTopics([topic, deadLetterTopic(topic), config.topics.alerts].map((t) => ({ topic: t })));
  await serde.register(subjectForTopic(topic), (await readSchemaFile('schemas/bridge.ticket-status.v1.avsc')).schema);
  await serde.register(
    subjectForTopic(config.topics.alerts),
    (await readSchemaFile('schemas/bridge.alerts.v1.avsc')).schema,
  );
  const bridge = new Bridge(await testPolicy());
  for (let i = 0; i < 13; i += 1) bridge.send(crm(`S-${i}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  const producer = messaging.producer();
  const send = async (list: readonly TicketStatusChange[]) => {
    for (const s of list)
      await producer.send(topic, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(topic), s) }]);
  };
  const delivered: string[] = [];
  const metrics = new Metrics({ defaults: false });
  const runner = () =>
    new SinkRunner<TicketStatusChange>({
      connector: 'crm-rest',
      topic,
      recordName: RECORD_NAMES.status,
      groupId: 'crm-rest-sink',
      sink: { deliver: async (s) => void delivered.push(s.ticketId), health: async () => ({ status: 'up' }) },
      messaging,
      serde,
      metrics,
      logger,
    });
  return { config, messaging, admin, serde, topic, statuses: bridge.statuses, send, delivered, metrics, lines, runner };
}

describe('records a sink had not delivered when retention deleted them', () => {
  it('are logged, counted, alerted until acknowledged, and shown in readiness meanwhile, also after a restart', async () => {
    const s = await setUp();
    let r = s.runner();
    await r.start();
    await s.send(s.statuses.slice(0, 3));
    await until('three delivered', () => s.delivered.length === 3);
    await r.stop();
    // The sink is away while ten more statuses come, and retention takes everything below 8.
    await s.send(s.statuses.slice(3));
    await s.admin.deleteRecords(s.topic, 0, '8');
    r = s.runner();
    await r.start();
    cleanup.push(() => r.stop());
    await until('the statuses still there', () => s.delivered.length === 8);
    expect(s.delivered.slice(3)).toEqual(['S-8', 'S-9', 'S-10', 'S-11', 'S-12']);

    const skip = { topic: s.topic, partition: 0, from: '3', to: '8', logStart: '8', logEnd: '13', cause: 'deleted' };
    expect(r.status().consumer?.skipped).toEqual([{ ...skip, count: 5, at: expect.any(Number) }]);
    expect(s.lines.filter((l) => l['code'] === 'CL_RECORDS_SKIPPED' && l['level'] === 50)).toEqual([
      expect.objectContaining({ ...skip, count: 5, msg: expect.stringContaining('offsets 3-7 (5) of') }),
    ]);
    const counted = await s.metrics.recordsSkipped.get();
    expect(counted.values).toEqual([{ labels: { consumer: 'crm-rest-sink', topic: s.topic }, value: 5 }]);

    const sink = { consumer: 'crm-rest-sink', connector: 'crm-rest', departments: [] };
    const consumers = [{ ...sink, health: () => r.status().consumer }];
    const common = {
      config: s.config,
      messaging: s.messaging,
      serde: s.serde,
      metrics: s.metrics,
      logger: createLogger({ level: 'silent' }),
    };
    const watch = new SkippedWatch({ consumers, ...common });
    await watch.start(60_000);
    cleanup.push(() => watch.stop());
    const alertId = `crm-rest-sink|RECORDS_SKIPPED|${s.topic}/0@3`;
    const reason = `crm-rest sink records skipped: offsets 3-7 (5) of ${s.topic}/0 deleted before they were read (log start 8); read on from 8 (alert ${alertId}; acknowledge with closeloop alerts ack once dealt with)`;
    expect(watch.reasons()).toEqual([reason]);
    const verdict = judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [],
      skipped: watch.reasons(),
    });
    expect(verdict).toEqual({ ready: false, reasons: [reason] });
    const gauge = async () => (await s.metrics.skippedUnacknowledged.get()).values.map((v) => v.value);
    expect(await gauge()).toEqual([1]);

    await watch.check(Date.now());
    const open = await openAlerts(s.messaging, s.admin, s.serde, s.config.topics.alerts);
    expect(open).toEqual([
      expect.objectContaining({
        alertId,
        reason: 'RECORDS_SKIPPED',
        status: 'RAISED',
        ticketId: null,
        connector: 'crm-rest',
        accountable: '311 service desk',
        detail: `crm-rest-sink: offsets 3-7 (5) of ${s.topic}/0 deleted before they were read (log start 8); read on from 8`,
      }),
    ]);

    // A restarted worker, whose consumers met nothing, still shows it: the records are lost all the same.
    const after = new SkippedWatch({ consumers: [{ ...sink, health: () => null }], ...common });
    await after.start(60_000);
    cleanup.push(() => after.stop());
    expect(after.reasons()).toEqual([reason]);

    const ack = { topic: s.config.topics.alerts, jurisdiction: 'testville', by: 'operator@city', now: Date.now() };
    expect(await acknowledgeAlert(s.messaging, s.admin, s.serde, { ...ack, alertId: 'nothing|open' })).toBeNull();
    const cleared = await acknowledgeAlert(s.messaging, s.admin, s.serde, { ...ack, alertId });
    expect(cleared).toMatchObject({
      alertId,
      status: 'CLEARED',
      detail: expect.stringMatching(/^acknowledged by operator@city: /),
    });
    await watch.check(Date.now(), { refresh: true });
    await after.check(Date.now(), { refresh: true });
    expect(watch.reasons()).toEqual([]);
    expect(after.reasons()).toEqual([]);
    expect(await gauge()).toEqual([0]);
    expect(await openAlerts(s.messaging, s.admin, s.serde, s.config.topics.alerts)).toEqual([]);
  });

  it('refuses to acknowledge an alert that clears by itself', async () => {
    const s = await setUp();
    const silent: SkippedRecords = {
      topic: 't',
      partition: 0,
      from: '1',
      to: '2',
      logStart: '2',
      logEnd: '2',
      cause: 'deleted',
      count: 1,
      at: 1,
    };
    const watch = new SkippedWatch({
      consumers: [
        {
          consumer: 'processor',
          connector: null,
          departments: [],
          health: () => ({ state: 'reading', failingForMs: 0, reason: null, skipped: [silent] }),
        },
      ],
      config: s.config,
      messaging: s.messaging,
      serde: s.serde,
      metrics: s.metrics,
      logger: createLogger({ level: 'silent' }),
    });
    await watch.start(60_000);
    cleanup.push(() => watch.stop());
    await watch.check(Date.now());
    const producer = s.messaging.producer();
    const [raised] = await openAlerts(s.messaging, s.admin, s.serde, s.config.topics.alerts);
    if (!raised) throw new Error('expected the RECORDS_SKIPPED alert');
    const stuck = { ...raised, alertId: 'SR-1|STUCK_ROUTED|', reason: 'STUCK_ROUTED' as const };
    await producer.send(s.config.topics.alerts, [
      { key: stuck.alertId, value: await s.serde.encode(subjectForTopic(s.config.topics.alerts), stuck) },
    ]);
    const ack = { topic: s.config.topics.alerts, jurisdiction: 'testville', by: 'operator@city', now: Date.now() };
    await expect(
      acknowledgeAlert(s.messaging, s.admin, s.serde, { ...ack, alertId: stuck.alertId }),
    ).rejects.toMatchObject({
      code: 'CL_ARGUMENT_INVALID',
    });
    expect((await openAlerts(s.messaging, s.admin, s.serde, s.config.topics.alerts)).map((a) => a.alertId)).toEqual([
      'processor|RECORDS_SKIPPED|t/0@1',
      'SR-1|STUCK_ROUTED|',
    ]);
  });
});

/** A processor's consumer whose health shows one skip, and what it takes to watch it. */
function watched(
  s: Awaited<ReturnType<typeof setUp>>,
  messaging: Messaging,
  logger = createLogger({ level: 'silent' }),
) {
  const skip: SkippedRecords = {
    topic: 't',
    partition: 0,
    from: '1',
    to: '2',
    logStart: '2',
    logEnd: '2',
    cause: 'deleted',
    count: 1,
    at: 1,
  };
  return new SkippedWatch({
    consumers: [
      {
        consumer: 'processor',
        connector: null,
        departments: [],
        health: () => ({ state: 'reading', failingForMs: 0, reason: null, skipped: [skip] }),
      },
    ],
    config: s.config,
    messaging,
    serde: s.serde,
    metrics: s.metrics,
    logger,
  });
}

/** `messaging` with its producers' sends going through `send` (Kafka hanging, failing). */
function withSend(messaging: Messaging, send: MessageProducer['send']): Messaging {
  return {
    ...messaging,
    producer: () => {
      const inner = messaging.producer();
      return { connect: () => inner.connect(), disconnect: () => inner.disconnect(), send };
    },
  };
}

describe('the skipped-records watch while Kafka hangs', () => {
  it('skips a tick while a check still waits on a send, instead of queueing one more check per tick', async () => {
    const s = await setUp();
    let sends = 0;
    let release = () => {};
    const hanging = new Promise<void>((r) => (release = r));
    const messaging = withSend(s.messaging, async () => {
      sends += 1;
      await hanging;
      throw new Error('broker unreachable');
    });
    const watch = watched(s, messaging);
    // The watch's own timer is taken (by its interval) and ticked by hand, 20 times.
    const TICK_MS = 123_457;
    const real = globalThis.setInterval;
    let tick = () => {};
    const spy = vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms === TICK_MS) tick = fn;
      return real(fn, ms);
    }) as typeof setInterval);
    cleanup.push(async () => void spy.mockRestore());
    await watch.start(TICK_MS);
    cleanup.push(() => watch.stop());
    tick();
    await until('the first send waiting', () => sends === 1);
    for (let i = 0; i < 19; i += 1) tick();
    release();
    await watch.check(Date.now());
    // The send that hung, and the explicit check's: not one more per tick that came meanwhile.
    expect(sends).toBe(2);
  });
});

describe('the skipped-records watch at a stop', () => {
  it('writes the alerts raised since its last check before it stops', async () => {
    const s = await setUp();
    const watch = watched(s, s.messaging);
    await watch.start(60_000);
    // The consumer skipped after the last tick and has stopped since: the stop is the last chance.
    await watch.stop();
    const open = await openAlerts(s.messaging, s.admin, s.serde, s.config.topics.alerts);
    expect(open.map((a) => a.alertId)).toEqual(['processor|RECORDS_SKIPPED|t/0@1']);
  });

  it('waits for that write no longer than its bound, and logs what stayed unwritten', async () => {
    const s = await setUp();
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const watch = watched(
      s,
      withSend(s.messaging, () => new Promise(() => {})),
      logger,
    );
    await watch.start(60_000);
    await watch.stop(50);
    expect(lines.filter((l) => l['msg'] === 'records-skipped alerts not written before the stop')).toEqual([
      expect.objectContaining({ level: 50, alertIds: ['processor|RECORDS_SKIPPED|t/0@1'], outcome: 'late' }),
    ]);
  });
});
