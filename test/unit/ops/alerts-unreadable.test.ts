import { describe, expect, it } from 'vitest';
import { BRIDGE_ORIGIN, type AlertRecord } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { openAlerts } from '../../../src/ops/index.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';

const cleanup = cleanupAfter('each');

const ALERTS = 'bridge.alerts.v1';
const STATUS = 'bridge.ticket-status.v1';

function raised(ticketId: string): AlertRecord {
  const alertId = `${ticketId}|DELIVERY_EXHAUSTED|v1`;
  return {
    envelope: {
      eventId: `${alertId}|1|raised`,
      jurisdiction: 'testville',
      source: 'crm-rest-sink',
      sequence: null,
      occurredAt: 1,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    alertId,
    reason: 'DELIVERY_EXHAUSTED',
    status: 'RAISED',
    ticketId,
    connector: 'crm-rest',
    department: null,
    accountable: '311 service desk',
    since: 1,
    detail:
      'v1: failed after 1 pause cycles while the system was healthy; last error CL_CONNECTOR_RETRIABLE; dead-lettered',
  };
}

async function setUp() {
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic: ALERTS, partitions: 1 }, { topic: STATUS }]);
  for (const t of [ALERTS, STATUS])
    await serde.register(subjectForTopic(t), (await readSchemaFile(`schemas/${t}.avsc`)).schema);
  const producer = messaging.producer();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  const errors = () => lines.filter((l) => l['level'] === 50);
  return { serde, messaging, admin, producer, logger, errors };
}

describe('a record on the alerts topic that is no alert', () => {
  it('is passed over by its readers, logged and counted once per process, and the alerts around it are read', async () => {
    const { serde, messaging, admin, producer, logger, errors } = await setUp();
    const alert = raised('SR-1');
    // Written by hand after the alert, under its key: bytes that are not Avro, then a ticket status (another schema).
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const status = await serde.encode(subjectForTopic(STATUS), bridge.statuses[0]);
    await producer.send(ALERTS, [
      { key: alert.alertId, value: await serde.encode(subjectForTopic(ALERTS), alert) },
      { key: alert.alertId, value: Buffer.from('_end marker') },
      { key: alert.alertId, value: status },
    ]);
    const metrics = new Metrics({ defaults: false });
    const report = { log: logger, metrics };
    expect((await openAlerts(messaging, admin, serde, ALERTS, report)).map((a) => a.alertId)).toEqual([alert.alertId]);
    // Read again (every refresh does): no second error line, no second count.
    expect(await openAlerts(messaging, admin, serde, ALERTS, report)).toHaveLength(1);
    const passed = errors().map((l) => [l['topic'], l['partition'], l['offset'], l['code']]);
    expect(passed).toEqual([
      [ALERTS, 0, '1', 'CL_DECODE_MALFORMED'],
      [ALERTS, 0, '2', 'CL_SCHEMA_MISMATCH'],
    ]);
    const counted = await metrics.registry.getSingleMetricAsString('closeloop_alert_records_unreadable_total');
    expect(counted).toContain('closeloop_alert_records_unreadable_total{code="CL_DECODE_MALFORMED"} 1');
    expect(counted).toContain('closeloop_alert_records_unreadable_total{code="CL_SCHEMA_MISMATCH"} 1');

    // A sink runner starts (it reads the topic back) and shows the alert the topic has open.
    const runner = new SinkRunner({
      connector: 'crm-rest',
      topic: STATUS,
      groupId: 'crm-sink',
      sink: { deliver: async () => undefined, health: () => Promise.resolve({ status: 'up' }) },
      messaging,
      serde,
      metrics,
      logger,
      alerts: { topic: ALERTS, jurisdiction: 'testville', accountable: () => '311 service desk' },
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    expect(runner.status().exhausted.map((x) => x.ticketId)).toEqual(['SR-1']);
    expect(errors()).toHaveLength(passed.length);
  });

  it('still fails the read when the registry is at fault (a schema id it does not know)', async () => {
    const { serde, messaging, admin, producer } = await setUp();
    await producer.send(ALERTS, [{ key: 'x', value: Buffer.from([0, 0, 0, 3, 231, 2]) }]);
    expect(await openAlerts(messaging, admin, serde, ALERTS).catch((e: unknown) => e)).toMatchObject({
      code: 'CL_SCHEMA_UNKNOWN_ID',
    });
  });
});
