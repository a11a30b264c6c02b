import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../../src/cli/alerts-command.ts';
import { runHealth } from '../../../src/cli/health-command.ts';
import {
  AvroSerde,
  deadLetterTopic,
  partitionFor,
  readSchemaFile,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { bridgeRun } from '../../support/bridge-run.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { metric, readiness, startFaultWorker } from '../../support/fault-worker.ts';
import { endpoints, testMessaging, uniqueName } from '../../support/kafka.ts';
import { feed } from '../../support/processor.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

/** `count` ticket ids from `first` on whose records land on partition 0 of 3. */
function onPartition0(first: number, count: number): string[] {
  const ids: string[] = [];
  for (let i = first; ids.length < count; i += 1) if (partitionFor(`SKIP-${i}`, 3) === 0) ids.push(`SKIP-${i}`);
  return ids;
}

/** A logger that keeps its lines, for the Kafka adapter's own (the worker's go to its own logger). */
function capturing() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger, skipped: () => lines.filter((l) => l['code'] === 'CL_RECORDS_SKIPPED') };
}

describe('fault: input records deleted by retention before the processor read them', () => {
  it('logs the range, counts it, and alerts it in readiness, `closeloop health` and `alerts list` until acknowledged', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const config = run.config;
    const crmTopic = config.topics.crmEvents;
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    let adapter = capturing();
    const committed = async () => (await admin.groupOffsets(config.processor.groupId, crmTopic))[0]?.offset;
    const ids = onPartition0(0, 13);
    const opened = (list: readonly string[]) => list.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'GRASS' }));

    let fw = await startFaultWorker(config);
    await feed(config, messaging, opened(ids.slice(0, 3)));
    await untilAsync('three CRM events read', async () => (await committed()) === '3', 60_000);
    await fw.stop();
    // The worker is away while ten more tickets open, and retention takes offsets below 8.
    await feed(config, messaging, opened(ids.slice(3)));
    await admin.deleteRecords(crmTopic, 0, '8');

    fw = await startFaultWorker(config, testMessaging(uniqueName('skip'), adapter.logger));
    cleanup.push(() => fw.stop());
    await untilAsync('the events still there read', async () => (await committed()) === '13', 60_000);
    const fact = { topic: crmTopic, partition: 0, from: '3', to: '8', logStart: '8', logEnd: '13', cause: 'deleted' };
    expect(adapter.skipped()).toEqual([expect.objectContaining({ level: 50, ...fact, count: 5 })]);
    // A position reset is not a failed fetch: no generic retry warning stands in for it.
    expect(adapter.lines.filter((l) => l['msg'] === 'fetching failed; trying again')).toEqual([]);
    expect(fw.worker.processor.consumerHealth()).toMatchObject({ state: 'reading', skipped: [{ ...fact, count: 5 }] });
    expect(await metric(fw.url, `closeloop_records_skipped_total{consumer="processor",topic="${crmTopic}"}`)).toBe(5);

    const alertId = `processor|RECORDS_SKIPPED|${crmTopic}/0@3`;
    const reason = `processor records skipped: offsets 3-7 (5) of ${crmTopic}/0 deleted before they were read (log start 8); read on from 8 (alert ${alertId}; acknowledge with closeloop alerts ack once dealt with)`;
    const unacknowledged = 'closeloop_records_skipped_unacknowledged{consumer="processor"}';
    const r = await readiness(fw.url);
    expect(r.status).toBe(503);
    expect(r.reasons).toContain(reason);
    expect(await metric(fw.url, unacknowledged)).toBe(1);
    const health: string[] = [];
    const http = { host: '127.0.0.1', port: Number(new URL(fw.url).port) };
    expect(
      await runHealth(
        { ...config, http },
        (l) => health.push(l),
        (l) => health.push(l),
      ),
    ).toBe(1);
    expect(health).toContain(`  ${reason}`);
    const list = async () => {
      const out: string[] = [];
      const logger = createLogger({ level: 'silent' });
      const code = await runAlerts(
        'list',
        config,
        logger,
        (l) => out.push(l),
        (l) => out.push(l),
      );
      return { code, skipped: out.filter((l) => l.includes('RECORDS_SKIPPED')) };
    };
    await untilAsync('the alert written', async () => (await list()).skipped.length === 1, 30_000);
    expect((await list()).skipped[0]).toContain(`311 service desk  processor: offsets 3-7 (5) of ${crmTopic}/0`);

    // A restart neither forgets nor clears it: nothing brought those records back.
    await fw.stop();
    adapter = capturing();
    fw = await startFaultWorker(config, testMessaging(uniqueName('skip'), adapter.logger));
    expect((await readiness(fw.url)).reasons).toContain(reason);
    expect(await metric(fw.url, unacknowledged)).toBe(1);
    expect(adapter.skipped()).toEqual([]);

    // Once the tickets are dealt with (sent again from the CRM), an operator acknowledges it.
    const said: string[] = [];
    const logger = createLogger({ level: 'silent' });
    const ack = { id: alertId, by: 'operator@city' };
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
    expect(said).toEqual([`acknowledged ${alertId} by operator@city`]);
    await fw.worker.checkSkippedNow();
    expect((await readiness(fw.url)).reasons.filter((x) => x.includes('records skipped'))).toEqual([]);
    expect(await metric(fw.url, unacknowledged)).toBe(0);
    expect((await list()).skipped).toEqual([]);
    expect(
      await runAlerts(
        'ack',
        config,
        logger,
        (l) => said.push(l),
        (l) => said.push(l),
        ack,
      ),
    ).toBe(1);
  }, 240_000);
});

describe('fault: records deleted by retention before a stopped sink delivered them', () => {
  it("are logged and counted by the sink runner, and kept in its consumer's health", async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = uniqueName('it.skip.bridge.ticket-status.v1');
    await admin.ensureTopics([{ topic }, { topic: deadLetterTopic(topic) }]);
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = subjectForTopic(topic);
    await serde.register(subject, (await readSchemaFile('schemas/bridge.ticket-status.v1.avsc')).schema);
    const bridge = new Bridge(await testPolicy());
    for (let i = 0; i < 13; i += 1) bridge.send(crm(`S-${i}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const producer = messaging.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const send = async (list: readonly TicketStatusChange[]) => {
      for (const s of list) await producer.send(topic, [{ key: s.ticketId, value: await serde.encode(subject, s) }]);
    };
    const delivered: string[] = [];
    const { logger, skipped } = capturing();
    const metrics = new Metrics({ defaults: false });
    const groupId = uniqueName('it.skip.sink');
    const runner = () =>
      new SinkRunner<TicketStatusChange>({
        connector: 'crm-rest',
        topic,
        recordName: RECORD_NAMES.status,
        groupId,
        sink: { deliver: async (s) => void delivered.push(s.ticketId), health: async () => ({ status: 'up' }) },
        messaging: testMessaging(uniqueName('skip'), logger),
        serde,
        metrics,
        logger,
      });
    const first = runner();
    await first.start();
    await send(bridge.statuses.slice(0, 3));
    await until('three delivered', () => delivered.length === 3);
    await untilAsync(
      'their offsets committed',
      async () => (await admin.groupOffsets(groupId, topic))[0]?.offset === '3',
    );
    await first.stop();
    await send(bridge.statuses.slice(3));
    await admin.deleteRecords(topic, 0, '8');

    const second = runner();
    await second.start();
    cleanup.push(() => second.stop());
    await until('the statuses still there', () => delivered.length === 8, 60_000);
    expect(delivered.slice(3)).toEqual(['S-8', 'S-9', 'S-10', 'S-11', 'S-12']);
    const fact = { topic, partition: 0, from: '3', to: '8', logStart: '8', logEnd: '13', cause: 'deleted', count: 5 };
    expect(second.status().consumer).toMatchObject({ state: 'reading', skipped: [fact] });
    expect(skipped()).toEqual([expect.objectContaining({ level: 50, ...fact })]);
    expect((await metrics.recordsSkipped.get()).values).toEqual([
      { labels: { consumer: 'crm-rest-sink', topic }, value: 5 },
    ]);
  }, 120_000);
});
