import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import type { AlertRecord, DeliveryReceipt } from '../../../src/domain/index.ts';
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
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.ticket-status.v1';
const RECEIPTS = 'bridge.deliveries.v1';
const ALERTS = 'bridge.alerts.v1';
const ctx = { logger: createLogger({ level: 'silent' }), env: { CRM_API_TOKEN: 'tok' }, clock: Date.now };

/** The CRM simulator with one ticket, and that ticket's statuses v1 (routed) and v2 (closed). */
async function crmWithTicket() {
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept(t.id, `${t.id}#1`, 'maximo', 'COMP', 2, { department: 'transportation' }));
  const [v1, v2] = bridge.statusesOf(t.id);
  if (!v1 || !v2) throw new Error('expected two statuses');
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
  const sink = crmRest.sink?.(config, ctx);
  if (!sink) throw new Error('crm-rest must have a sink');
  return { sim, ticketId: t.id, v1, v2, sink };
}

/** The crm-rest sink under the real SinkRunner, in memory, with receipts and alerts as the worker sets them. */
async function runner(maxDeliveryCycles: number, probeIntervalMs: number) {
  const crmSide = await crmWithTicket();
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics(
    [TOPIC, deadLetterTopic(TOPIC), RECEIPTS, ALERTS].map((topic) => ({ topic, partitions: 1 })),
  );
  for (const t of [TOPIC, RECEIPTS, ALERTS])
    await serde.register(subjectForTopic(t), (await readSchemaFile(`schemas/${t}.avsc`)).schema);
  const run = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    groupId: 'crm-sink',
    sink: crmSide.sink,
    messaging,
    serde,
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs,
    maxDeliveryCycles,
    receiptsTopic: RECEIPTS,
    alerts: { topic: ALERTS, jurisdiction: 'testville', accountable: () => '311 service desk' },
  });
  await run.start();
  cleanup.push(() => run.stop());
  const producer = messaging.producer();
  const send = async (s: TicketStatusChange) =>
    producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
  const read = async <T>(topic: string) => {
    const got: { value: T; headers: Record<string, Buffer | undefined> }[] = [];
    await readToEnd(messaging, admin, topic, 'all', async (r) => {
      got.push({ value: (await serde.decode<T>(r.value ?? Buffer.alloc(0))).value, headers: r.headers });
    });
    return got;
  };
  const receipts = async () =>
    (await read<DeliveryReceipt>(RECEIPTS)).map((r) => `v${r.value.version ?? '?'} ${r.value.outcome}`);
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'crm-rest', kind: 'sink', ...run.status() }],
    });
  return { ...crmSide, run, send, read, receipts, readiness };
}

describe('crm-rest sink: a status update the CRM answers but does not apply', () => {
  it('is a retriable CL_CONNECTOR_NOT_APPLIED naming the ticket and both versions; applied: false at or past the version is a repeat', async () => {
    const { sim, ticketId, v1, v2, sink } = await crmWithTicket();
    await sink.deliver(v1);
    sim.lockTicket(ticketId);
    const err = await sink.deliver(v2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({
      code: 'CL_CONNECTOR_NOT_APPLIED',
      retriable: true,
      details: { ticketId, version: 2, currentVersion: 1 },
    });
    expect((err as Error).message).toContain(`ticket ${ticketId}`);
    expect((err as Error).message).toMatch(/v2.*v1/);
    expect(sim.declinedUpdates).toBe(1);
    // The CRM answers v1 again with applied: false and version 1: it has it, so that is done.
    await sink.deliver(v1);
    expect(sim.repeatedUpdates).toBe(1);
    sim.unlockTicket(ticketId);
    await sink.deliver(v2);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
  });

  it('is never receipted as delivered while the ticket is locked, and is delivered once the agent lets go', async () => {
    const { sim, ticketId, v1, v2, run, send, receipts, readiness } = await runner(1_000, 50);
    await send(v1);
    await until('v1 delivered', () => run.status().delivered === 1, 5_000);
    sim.lockTicket(ticketId);
    await send(v2);
    await until('v2 declined through a pause', () => sim.declinedUpdates >= 4 && run.status().pausedBy !== null, 5_000);
    expect(run.status()).toMatchObject({ delivered: 1, deadLettered: 0, pausedBy: 'unavailable' });
    // Readiness says the CRM declined this ticket's update, not that the CRM is down.
    expect(readiness().reasons).toEqual([
      `crm-rest sink paused: unavailable (ticket ${ticketId} not applied: v2 sent, the system holds v1)`,
    ]);
    sim.unlockTicket(ticketId);
    await until('v2 delivered', () => run.status().delivered === 2, 5_000);
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
    expect(sim.tickets.get(ticketId)?.status).toBe('closed');
    await untilAsync('both receipts', async () => (await receipts()).length === 2, 5_000);
    expect(await receipts()).toEqual(['v1 DELIVERED', 'v2 DELIVERED']);
  });

  it('ends as CL_DELIVERY_EXHAUSTED with an alert and a DEAD_LETTERED receipt when the ticket stays locked', async () => {
    const { sim, ticketId, v1, run, send, read, receipts } = await runner(2, 5);
    sim.lockTicket(ticketId);
    await send(v1);
    await until('v1 given up on', () => run.status().deadLettered === 1, 10_000);
    expect(run.status().delivered).toBe(0);
    expect(sim.applied).toEqual([]);
    const [letter] = await read<TicketStatusChange>(deadLetterTopic(TOPIC));
    expect(letter?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_DELIVERY_EXHAUSTED');
    expect(run.status().exhausted).toEqual([
      expect.objectContaining({ ticketId, subject: 'v1', detail: expect.stringContaining('CL_CONNECTOR_NOT_APPLIED') }),
    ]);
    await untilAsync('the alert', async () => (await read<AlertRecord>(ALERTS)).length === 1, 5_000);
    expect((await read<AlertRecord>(ALERTS))[0]?.value).toMatchObject({ ticketId, reason: 'DELIVERY_EXHAUSTED' });
    await untilAsync('the receipt', async () => (await receipts()).length === 1, 5_000);
    expect(await receipts()).toEqual(['v1 DEAD_LETTERED']);
  });
});
