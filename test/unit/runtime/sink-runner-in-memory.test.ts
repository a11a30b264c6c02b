import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import {
  DLQ_HEADERS,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.ticket-status.v1';

interface SetUpOptions {
  readonly maxDeliveryCycles?: number;
  readonly maxInFlight?: number;
  readonly metrics?: Metrics;
  /** The base URL the connector is configured with, from the simulator's. */
  readonly baseUrl?: (url: string) => string;
}

/** The CRM sink over the in-memory messaging and a loopback registry: no broker, no registry. */
async function setUp({ baseUrl = (url: string) => url, ...o }: SetUpOptions = {}) {
  const { serde } = await startLoopback(cleanup);
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([
    { topic: TOPIC, partitions: 3 },
    { topic: deadLetterTopic(TOPIC), partitions: 3 },
  ]);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  const logger = createLogger({ level: 'silent' });
  const config = parseConnectorConfig('crm-rest', crmRestConfig, {
    baseUrl: baseUrl(url),
    jurisdiction: 'testville',
  });
  const sink = crmRest.sink?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
  if (!sink) throw new Error('crm-rest has no sink');
  const groupId = 'crm-sink';
  const runner = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    groupId,
    sink,
    messaging,
    serde,
    logger,
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs: 5,
    ...o,
  });
  const producer = messaging.producer();
  const send = async (statuses: readonly TicketStatusChange[]) => {
    for (const s of statuses)
      await producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
  };
  const deadLetters = async () => {
    const got: IncomingRecord[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(TOPIC), 'all', (r) => void got.push(r));
    return got;
  };
  return { sim, sink, runner, send, deadLetters, admin, groupId, producer };
}

describe('sink runner on the in-memory messaging', () => {
  it('delivers in order, dead-letters poison, and holds records through refused credentials', async () => {
    const { sim, runner, send, deadLetters, admin, groupId, producer } = await setUp();
    await runner.start();
    cleanup.push(() => runner.stop());

    const bridge = new Bridge(await testPolicy());
    const ids = Array.from({ length: 4 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const [i, code] of ['APPR', 'WSCH'].entries())
      for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', code, i + 2, { department: 'transportation' }));
    const firstHalf = bridge.statuses.length;
    await send(bridge.statuses);
    await until('the first statuses', () => sim.applied.length === firstHalf, 5_000);

    // Poison between good records: it is dead-lettered with its provenance, the rest goes on.
    await producer.send(TOPIC, [{ key: ids[0] ?? 'x', value: Buffer.from('not avro') }]);
    await until('the dead letter', () => runner.status().deadLettered === 1, 5_000);
    const [letter] = await deadLetters();
    expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_DECODE_MALFORMED');
    expect(letter?.headers[DLQ_HEADERS.topic]?.toString()).toBe(TOPIC);
    expect(letter?.value?.toString()).toBe('not avro');

    // The CRM rotates its token: the runner pauses on credentials and dead-letters nothing.
    sim.rotateToken('rotated');
    for (const [i, code] of ['INPRG', 'COMP'].entries())
      for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', code, i + 4, { department: 'transportation' }));
    await send(bridge.statuses.slice(firstHalf));
    await until('the credentials pause', () => runner.status().pausedBy === 'credentials', 5_000);
    expect(sim.applied.length).toBe(firstHalf);
    sim.rotateToken('tok');
    // The runner counts a delivery once the CRM answered, a moment after the CRM applied it.
    await until('every status', () => runner.status().delivered === bridge.statuses.length, 5_000);
    expect(sim.applied).toHaveLength(bridge.statuses.length);
    expect(runner.status()).toMatchObject({ pausedBy: null, deadLettered: 1 });
    expect(await deadLetters()).toHaveLength(1);
    for (const id of ids) {
      const versions = sim.applied.filter((a) => a.ticketId === id).map((a) => a.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    // Everything handed over is committed: a restart would deliver nothing again.
    const ends = (await admin.topicOffsets(TOPIC)).map((e) => ({
      partition: e.partition,
      offset: e.high === '0' ? '-1' : e.high,
    }));
    const committed = async () => JSON.stringify(await admin.groupOffsets(groupId, TOPIC)) === JSON.stringify(ends);
    await untilAsync('the offsets of the last batches', committed, 5_000);
  });

  it("measures each record's wait before its call, and the waits for a free slot apart", async () => {
    const count = async (h: Metrics['sinkWaitSeconds']) =>
      (await h.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    for (const maxInFlight of [1, 16]) {
      const metrics = new Metrics({ defaults: false });
      const { sim, runner, send } = await setUp({ maxInFlight, metrics });
      const bridge = new Bridge(await testPolicy());
      // Six tickets on three partitions, all fetched at once: some partition holds two or more.
      const ids = Array.from({ length: 6 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
      for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
      for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' }));
      await send(bridge.statuses);
      await runner.start();
      cleanup.push(() => runner.stop());
      await until('every status', () => runner.status().delivered === bridge.statuses.length, 5_000);
      expect(await count(metrics.sinkWaitSeconds)).toBe(bridge.statuses.length);
      // One slot a partition: a second ticket waits for it. Sixteen: none does.
      const slotWaits = await count(metrics.sinkSlotWaitSeconds);
      if (maxInFlight === 1) expect(slotWaits).toBeGreaterThan(0);
      else expect(slotWaits).toBe(0);
    }
  });

  it('delivers to a CRM that answers every status update 204 with no body, without retrying', async () => {
    const { sim, runner, send, deadLetters } = await setUp();
    sim.server.setFaults({ noContentRate: 1 });
    await runner.start();
    cleanup.push(() => runner.stop());
    const bridge = new Bridge(await testPolicy());
    const ids = Array.from({ length: 3 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' }));
    await send(bridge.statuses);
    await until('every status', () => runner.status().delivered === bridge.statuses.length, 5_000);
    expect(sim.applied).toHaveLength(bridge.statuses.length);
    expect(runner.status()).toMatchObject({ retries: 0, deadLettered: 0, pausedBy: null });
    expect(await deadLetters()).toHaveLength(0);
  });

  it('holds statuses whose writes a firewall answers 200 with an HTML page, then delivers them all', async () => {
    // The cycle bound is out of reach here: this test is about what a page does, not how long.
    const { sim, runner, send, deadLetters } = await setUp({ maxDeliveryCycles: 1_000_000 });
    sim.server.setFaults({ proxyPageRate: 1 });
    await runner.start();
    cleanup.push(() => runner.stop());
    const bridge = new Bridge(await testPolicy());
    const ids = Array.from({ length: 3 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await send(bridge.statuses);
    await until('the runner pauses', () => runner.status().pauses.includes('unavailable'), 5_000);
    expect(runner.status()).toMatchObject({ delivered: 0, deadLettered: 0 });
    expect(sim.applied).toHaveLength(0);

    sim.server.setFaults({});
    await until('every status', () => runner.status().delivered === bridge.statuses.length, 5_000);
    expect(sim.applied).toHaveLength(bridge.statuses.length);
    expect(runner.status()).toMatchObject({ deadLettered: 0, pausedBy: null });
    expect(await deadLetters()).toHaveLength(0);
  });

  it('pauses (endpoint) naming the TLS failure when the CRM is called by https on its http port', async () => {
    const { sim, sink, runner, send, deadLetters } = await setUp({
      baseUrl: (url) => url.replace('http://', 'https://'),
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    const bridge = new Bridge(await testPolicy());
    const ids = Array.from({ length: 12 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await send(bridge.statuses);
    await until('the runner pauses', () => runner.status().pausedBy === 'endpoint', 5_000);
    expect(runner.status().pauseDetail).toMatch(/^TLS failure (ERR_SSL_|EPROTO)/);
    // Its health probe fails alike, so it stays paused: a base URL to fix, no record to blame.
    expect((await sink.health()).status).toBe('down');
    expect(runner.status()).toMatchObject({ state: 'paused', pausedBy: 'endpoint', delivered: 0, deadLettered: 0 });
    expect(await deadLetters()).toHaveLength(0);
    expect(sim.applied).toHaveLength(0);
  });

  it('dead-letters a status the CRM refuses with the reason the CRM gave', async () => {
    const { runner, send, deadLetters } = await setUp();
    await runner.start();
    cleanup.push(() => runner.stop());
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-404404', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await send(bridge.statuses);
    await until('the dead letter', () => runner.status().deadLettered === 1, 5_000);
    const [letter] = await deadLetters();
    expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_CONNECTOR_REJECTED');
    expect(letter?.headers[DLQ_HEADERS.message]?.toString()).toContain('HTTP 404');
    expect(letter?.headers[DLQ_HEADERS.message]?.toString()).toContain('no ticket SR-404404');
  });
});
