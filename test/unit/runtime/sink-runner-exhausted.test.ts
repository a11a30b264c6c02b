import { describe, expect, it } from 'vitest';
import { BRIDGE_ORIGIN, type AlertRecord } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  DLQ_HEADERS,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { acknowledgeAlert } from '../../../src/ops/index.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import type { Sink, TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { wrapMessaging } from '../../support/recording-messaging.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.ticket-status.v1';
const ALERTS = 'bridge.alerts.v1';

/**
 * A CRM that times out on one status version every time (it commits it late, say), while its
 * health probe passes and every other update goes through.
 */
function stubbornSink() {
  const poisoned = new Set<string>();
  const delivered: string[] = [];
  let calls = 0;
  const sink: Sink<TicketStatusChange> = {
    async deliver(s) {
      const id = `${s.ticketId}@${s.version}`;
      if (poisoned.has(id)) calls += 1;
      if (poisoned.has(id))
        throw new CloseloopError('CL_CONNECTOR_RETRIABLE', `applying ${id}: timed out`, {
          details: { errorCode: 'ETIMEDOUT' },
        });
      delivered.push(id);
    },
    health: () => Promise.resolve({ status: 'up' }),
  };
  return { sink, poisoned, delivered, failedCalls: () => calls };
}

async function setUp(
  maxDeliveryCycles: number,
  o: { alertsRefreshMs?: number; send?: Parameters<typeof wrapMessaging>[1]['send'] } = {},
) {
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([
    { topic: TOPIC, partitions: 1 },
    { topic: deadLetterTopic(TOPIC), partitions: 1 },
    { topic: ALERTS, partitions: 1 },
  ]);
  for (const t of [TOPIC, ALERTS])
    await serde.register(subjectForTopic(t), (await readSchemaFile(`schemas/${t}.avsc`)).schema);
  const stub = stubbornSink();
  const metrics = new Metrics();
  const runner = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    groupId: 'crm-sink',
    sink: stub.sink,
    // The runner's writes may be made to fail; the test reads and writes the topics as they are.
    messaging: o.send ? wrapMessaging(messaging, { send: o.send }) : messaging,
    serde,
    ...(o.alertsRefreshMs === undefined ? {} : { alertsRefreshMs: o.alertsRefreshMs }),
    metrics,
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs: 5,
    maxDeliveryCycles,
    alerts: { topic: ALERTS, jurisdiction: 'testville', accountable: (d) => (d === null ? '311 service desk' : d) },
  });
  const producer = messaging.producer();
  const send = async (statuses: readonly TicketStatusChange[]) => {
    for (const s of statuses)
      await producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
  };
  const read = async (topic: string) => {
    const got: { key: string; value: Buffer | null; headers: Record<string, Buffer | undefined> }[] = [];
    await readToEnd(messaging, admin, topic, 'all', (r) => {
      got.push({ key: r.key?.toString('utf8') ?? '', value: r.value, headers: r.headers });
    });
    return got;
  };
  const alerts = async () =>
    Promise.all(
      (await read(ALERTS)).map(async (r) => (await serde.decode<AlertRecord>(r.value ?? Buffer.alloc(0))).value),
    );
  // An alert record as another worker writes it (or an operator's acknowledgement).
  const alert = async (ticketId: string, subject: string, status: AlertRecord['status']) => {
    const alertId = `${ticketId}|DELIVERY_EXHAUSTED|${subject}`;
    const record: AlertRecord = {
      envelope: {
        eventId: `${alertId}|1|${status.toLowerCase()}`,
        jurisdiction: 'testville',
        source: 'crm-rest-sink',
        sequence: null,
        occurredAt: Date.now(),
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId,
      reason: 'DELIVERY_EXHAUSTED',
      status,
      ticketId,
      connector: 'crm-rest',
      department: null,
      accountable: '311 service desk',
      since: 1,
      detail: `${subject}: failed after 1 pause cycles while the system was healthy; last error CL_CONNECTOR_RETRIABLE HTTP 503; dead-lettered`,
    };
    await producer.send(ALERTS, [{ key: alertId, value: await serde.encode(subjectForTopic(ALERTS), record) }]);
  };
  const gauge = () => metrics.registry.getSingleMetricAsString('closeloop_delivery_exhausted');
  return { runner, stub, send, read, alerts, alert, gauge, metrics, messaging, admin, serde };
}

async function statuses(ticket = 'SR-X'): Promise<TicketStatusChange[]> {
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(ticket, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept(ticket, `${ticket}#1`, 'maximo', 'APPR', 2, { department: 'transportation' }));
  bridge.send(dept(ticket, `${ticket}#1`, 'maximo', 'WSCH', 3, { department: 'transportation' }));
  return bridge.statuses;
}

describe('sink runner: a record that keeps failing while the system is healthy', () => {
  it('is dead-lettered as CL_DELIVERY_EXHAUSTED after maxDeliveryCycles, with an alert, and the partition moves on', async () => {
    const { runner, stub, send, read, alerts, metrics } = await setUp(3);
    const list = await statuses();
    const last = list[list.length - 1];
    const [other] = await statuses('SR-Y');
    if (!last || !other) throw new Error('expected statuses');
    // The ticket's latest status fails; another ticket's, behind it on the partition, does not.
    stub.poisoned.add(`SR-X@${last.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    await send([...list, other]);

    await until('the poisoned status to be given up on', () => runner.status().deadLettered === 1, 10_000);
    // Two tries per budget (retries: 1): the first budget and one after each of the three cycles.
    const callsAtGiveUp = stub.failedCalls();
    await until('the next record on the partition', () => stub.delivered.length === list.length, 5_000);
    expect(stub.delivered).toEqual([...list.slice(0, -1).map((s) => `SR-X@${s.version}`), `SR-Y@${other.version}`]);
    expect(callsAtGiveUp).toBe(2 * (1 + 3));

    const [letter] = await read(deadLetterTopic(TOPIC));
    expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_DELIVERY_EXHAUSTED');
    expect(letter?.headers[DLQ_HEADERS.stage]?.toString()).toBe('deliver');
    expect(letter?.key).toBe('SR-X');

    // The alert: in status (so readiness), in the gauge, and on the alerts topic for `alerts list`.
    const subject = `v${last.version}`;
    expect(runner.status().exhausted).toEqual([
      expect.objectContaining({
        ticketId: 'SR-X',
        subject,
        detail: expect.stringContaining('CL_CONNECTOR_RETRIABLE ETIMEDOUT'),
      }),
    ]);
    const verdict = judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'crm-rest', kind: 'sink', ...runner.status() }],
    });
    expect(verdict.ready).toBe(false);
    expect(verdict.reasons).toEqual([
      expect.stringMatching(
        new RegExp(`^crm-rest sink delivery exhausted: ticket SR-X, ${subject}: failed after 3 pause cycles`),
      ),
    ]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_delivery_exhausted')).toContain(
      'closeloop_delivery_exhausted{connector="crm-rest"} 1',
    );
    await untilAsync('the alert record', async () => (await alerts()).length === 1, 5_000);
    expect((await alerts())[0]).toMatchObject({
      alertId: `SR-X|DELIVERY_EXHAUSTED|${subject}`,
      reason: 'DELIVERY_EXHAUSTED',
      status: 'RAISED',
      ticketId: 'SR-X',
      connector: 'crm-rest',
      accountable: '311 service desk',
    });

    // The cause is fixed and the dead letter replayed: delivered, the alert clears everywhere.
    stub.poisoned.clear();
    await send([last]);
    await until('the replayed status', () => stub.delivered.length === list.length + 1, 5_000);
    await untilAsync('the clearing', async () => (await alerts()).length === 2, 5_000);
    expect((await alerts())[1]).toMatchObject({
      status: 'CLEARED',
      alertId: `SR-X|DELIVERY_EXHAUSTED|${subject}`,
      detail: `${subject}: delivered after all`,
    });
    expect(runner.status().exhausted).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_delivery_exhausted')).toContain(
      'closeloop_delivery_exhausted{connector="crm-rest"} 0',
    );
  });

  it("clears a status's alert when a newer status of its ticket is delivered, and no other ticket's", async () => {
    const { runner, stub, send, alerts } = await setUp(1);
    const [first, second, third] = await statuses();
    const [otherFirst, otherSecond] = await statuses('SR-Y');
    if (!first || !second || !third || !otherFirst || !otherSecond) throw new Error('expected statuses');
    stub.poisoned.add(`SR-X@${second.version}`);
    stub.poisoned.add(`SR-Y@${otherFirst.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    // Both alerts are open before any newer status of either ticket is sent.
    await send([first, second, otherFirst]);
    await until('both given up on', () => runner.status().exhausted.length === 2, 10_000);
    await send([third]);
    await until('the newer status', () => stub.delivered.includes(`SR-X@${third.version}`), 5_000);
    await untilAsync('the clearing', async () => (await alerts()).length === 3, 5_000);
    expect((await alerts()).map((a) => [a.alertId, a.status, a.detail])).toEqual([
      [`SR-X|DELIVERY_EXHAUSTED|v${second.version}`, 'RAISED', expect.any(String)],
      [`SR-Y|DELIVERY_EXHAUSTED|v${otherFirst.version}`, 'RAISED', expect.any(String)],
      [
        `SR-X|DELIVERY_EXHAUSTED|v${second.version}`,
        'CLEARED',
        `v${second.version}: superseded: v${third.version} delivered`,
      ],
    ]);
    // SR-Y's alert stays: nothing newer of its ticket has been delivered.
    expect(runner.status().exhausted).toEqual([expect.objectContaining({ ticketId: 'SR-Y' })]);
    await send([otherSecond]);
    await untilAsync('the second clearing', async () => (await alerts()).length === 4, 5_000);
    expect(runner.status().exhausted).toEqual([]);
  });

  it('waits out an outage its health probe sees, however long, and counts only the cycles after it', async () => {
    const { runner, stub, send } = await setUp(1);
    const [first] = await statuses();
    if (!first) throw new Error('expected a status');
    let up = false;
    stub.sink.health = () => Promise.resolve({ status: up ? 'up' : 'down' });
    stub.poisoned.add(`SR-X@${first.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    await send([first]);
    await until('the pause', () => runner.status().pausedBy === 'unavailable', 5_000);
    // Dozens of probe intervals pass while the system is down: nothing is given up on.
    await new Promise((r) => setTimeout(r, 200));
    expect(runner.status()).toMatchObject({ deadLettered: 0, exhausted: [] });
    // Up again, yet this record still fails: one cycle (the limit) and it is given up on.
    up = true;
    await until('the record to be given up on', () => runner.status().deadLettered === 1, 5_000);
    expect(stub.failedCalls()).toBe(2 * (1 + 1));
    expect(runner.status().exhausted).toHaveLength(1);
  });
});

describe('sink runners of one connector in several workers: the DELIVERY_EXHAUSTED alerts they share', () => {
  it('take in an alert another worker raised, and clear it when they deliver its record', async () => {
    const { runner, stub, send, alerts, alert, gauge } = await setUp(1, { alertsRefreshMs: 20 });
    const [first, second] = await statuses();
    if (!first || !second) throw new Error('expected statuses');
    await runner.start();
    cleanup.push(() => runner.stop());
    // Another worker of the group gave SR-X's second status up on; this one shows it as well.
    await alert('SR-X', `v${second.version}`, 'RAISED');
    await until('the alert learned', () => runner.status().exhausted.length === 1, 5_000);
    expect(await gauge()).toContain('closeloop_delivery_exhausted{connector="crm-rest"} 1');
    // The partition is this worker's now, and the dead letter is replayed: it clears the alert.
    await send([first, second]);
    await until('both delivered', () => stub.delivered.length === 2, 5_000);
    await untilAsync('the clearing', async () => (await alerts()).length === 2, 5_000);
    expect((await alerts())[1]).toMatchObject({ status: 'CLEARED', detail: `v${second.version}: delivered after all` });
    expect(runner.status().exhausted).toEqual([]);
    expect(await gauge()).toContain('closeloop_delivery_exhausted{connector="crm-rest"} 0');
  });

  it('drop an alert cleared elsewhere (delivered by another worker, or acknowledged) within their refresh period', async () => {
    const { runner, stub, send, alert, gauge } = await setUp(1, { alertsRefreshMs: 20 });
    const [first] = await statuses();
    if (!first) throw new Error('expected a status');
    stub.poisoned.add(`SR-X@${first.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    await send([first]);
    await until('the alert raised', () => runner.status().exhausted.length === 1, 10_000);
    await alert('SR-X', `v${first.version}`, 'CLEARED');
    await until('the alert dropped', () => runner.status().exhausted.length === 0, 5_000);
    expect(await gauge()).toContain('closeloop_delivery_exhausted{connector="crm-rest"} 0');
  });

  it('clear an alert learned only after they delivered its record, or a newer status of its ticket', async () => {
    const { runner, stub, send, alerts, alert } = await setUp(1);
    const list = await statuses();
    const [first, second, third] = list;
    if (!first || !second || !third) throw new Error('expected statuses');
    await runner.start();
    cleanup.push(() => runner.stop());
    await send(list);
    await until('all delivered', () => stub.delivered.length === list.length, 5_000);
    // Its old owner, still going through its pause cycles when the partition moved, gives up now.
    await alert('SR-X', `v${second.version}`, 'RAISED');
    await runner.refreshAlerts();
    expect(runner.status().exhausted).toEqual([]);
    expect((await alerts()).map((a) => [a.status, a.detail])).toEqual([
      ['RAISED', expect.any(String)],
      ['CLEARED', `v${second.version}: superseded: v${third.version} delivered`],
    ]);
  });

  it('write at the next refresh an alert they could not write, and what the topic says meanwhile does not undo it', async () => {
    let refuse = true;
    const { runner, stub, send, alerts, alert } = await setUp(1, {
      send: (producer, topic, records) =>
        refuse && topic === ALERTS ? Promise.reject(new Error('broker unreachable')) : producer.send(topic, records),
    });
    const [first] = await statuses();
    if (!first) throw new Error('expected a status');
    stub.poisoned.add(`SR-X@${first.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    await send([first]);
    await until('the alert raised', () => runner.status().exhausted.length === 1, 10_000);
    // Another worker's alert changes the topic, which is read again: it has no word of SR-X's.
    await alert('SR-Z', 'v1', 'RAISED');
    await runner.refreshAlerts();
    expect((await alerts()).map((a) => a.ticketId)).toEqual(['SR-Z']);
    expect(runner.status().exhausted.map((x) => x.ticketId)).toEqual(['SR-Z', 'SR-X']);
    refuse = false;
    await runner.refreshAlerts();
    expect((await alerts()).map((a) => [a.alertId, a.status])).toEqual([
      ['SR-Z|DELIVERY_EXHAUSTED|v1', 'RAISED'],
      [`SR-X|DELIVERY_EXHAUSTED|v${first.version}`, 'RAISED'],
    ]);
    expect(runner.status().exhausted).toHaveLength(2);
  });

  it('drop an alert an operator acknowledged, its record never to be delivered; the clearing says who', async () => {
    const { runner, stub, send, alerts, messaging, admin, serde } = await setUp(1, { alertsRefreshMs: 20 });
    const [first] = await statuses();
    if (!first) throw new Error('expected a status');
    stub.poisoned.add(`SR-X@${first.version}`);
    await runner.start();
    cleanup.push(() => runner.stop());
    await send([first]);
    await until('the alert raised', () => runner.status().exhausted.length === 1, 10_000);
    await untilAsync('the alert written', async () => (await alerts()).length === 1, 5_000);
    // Readiness names the alert id the operator acknowledges.
    const alertId = `SR-X|DELIVERY_EXHAUSTED|v${first.version}`;
    const runners = [{ connector: 'crm-rest', kind: 'sink' as const, ...runner.status() }];
    const verdict = judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners,
    });
    expect(verdict.reasons).toEqual([expect.stringContaining(`; dead-lettered (alert ${alertId})`)]);
    const ack = { topic: ALERTS, jurisdiction: 'testville', alertId, by: 'operator@city', now: Date.now() };
    expect(await acknowledgeAlert(messaging, admin, serde, ack)).toMatchObject({
      status: 'CLEARED',
      detail: expect.stringMatching(
        new RegExp(`^acknowledged by operator@city: v${first.version}: failed after 1 pause cycles`),
      ),
    });
    await until('the alert dropped', () => runner.status().exhausted.length === 0, 5_000);
  });
});
