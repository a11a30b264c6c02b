import { describe, expect, it } from 'vitest';
import { BRIDGE_ORIGIN, type AlertRecord } from '../../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  readSchemaFile,
  subjectForTopic,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { openAlerts } from '../../../src/ops/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';

const cleanup = cleanupAfter('each');
const ALERTS = 'bridge.alerts.v1';

function alert(ticketId: string, status: AlertRecord['status']): AlertRecord {
  const alertId = `${ticketId}|STUCK_ROUTED|ROUTED`;
  return {
    envelope: {
      eventId: `${alertId}|1|${status}`,
      jurisdiction: 'testville',
      source: 'closeloop-processor',
      sequence: null,
      occurredAt: 1,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    alertId,
    reason: 'STUCK_ROUTED',
    status,
    ticketId,
    connector: null,
    department: 'transportation',
    accountable: 'roads desk',
    since: 1,
    detail: 'ROUTED for 16 min (limit 15 min)',
  };
}

/** The in-memory messaging, counting the consumers made: each read of a topic makes one. */
function counted(messaging: Messaging): { messaging: Messaging; reads: () => number } {
  let consumers = 0;
  const wrapped = Object.create(messaging) as Messaging;
  wrapped.consumer = (o) => {
    consumers += 1;
    return messaging.consumer(o);
  };
  return { messaging: wrapped, reads: () => consumers };
}

describe('reading the open alerts again', () => {
  // Every watcher of a worker reads the whole topic every 30 s: one read per change, not per call.
  it('answers from the last read while the topic has nothing new, and reads again once a record is written', async () => {
    const { serde } = await startLoopback(cleanup);
    const { messaging, reads } = counted(createInMemoryMessaging());
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: ALERTS, partitions: 2 }]);
    await serde.register(subjectForTopic(ALERTS), (await readSchemaFile(`schemas/${ALERTS}.avsc`)).schema);
    const producer = messaging.producer();
    const write = async (a: AlertRecord) =>
      producer.send(ALERTS, [{ key: a.alertId, value: await serde.encode(subjectForTopic(ALERTS), a) }]);

    await write(alert('T1', 'RAISED'));
    const first = await openAlerts(messaging, admin, serde, ALERTS);
    expect(first.map((a) => a.ticketId)).toEqual(['T1']);
    const [again, together] = await Promise.all([
      openAlerts(messaging, admin, serde, ALERTS),
      openAlerts(messaging, admin, serde, ALERTS),
    ]);
    expect(reads()).toBe(1);
    expect(again).toEqual(first);
    expect(together).toEqual(first);
    // What a caller does with its answer is not the next caller's answer.
    again.pop();
    expect(await openAlerts(messaging, admin, serde, ALERTS)).toEqual(first);

    await write(alert('T2', 'RAISED'));
    expect((await openAlerts(messaging, admin, serde, ALERTS)).map((a) => a.ticketId)).toEqual(['T1', 'T2']);
    await write(alert('T1', 'CLEARED'));
    expect((await openAlerts(messaging, admin, serde, ALERTS)).map((a) => a.ticketId)).toEqual(['T2']);
    expect(reads()).toBe(3);
  });

  // The read is shared, but a record that is no alert is each reader's to hear of: the first
  // reader (the drift watch once read without a report) must not silence the others.
  it('tells a reader with a report of a record that is no alert even when a reader without one read first', async () => {
    const { serde } = await startLoopback(cleanup);
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: ALERTS, partitions: 1 }]);
    await serde.register(subjectForTopic(ALERTS), (await readSchemaFile(`schemas/${ALERTS}.avsc`)).schema);
    await messaging.producer().send(ALERTS, [{ key: 'x', value: Buffer.from('not avro at all') }]);
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const metrics = new Metrics({ defaults: false });
    await openAlerts(messaging, admin, serde, ALERTS);
    await openAlerts(messaging, admin, serde, ALERTS, { log: logger, metrics });
    await openAlerts(messaging, admin, serde, ALERTS, { log: logger, metrics });
    expect(lines.filter((l) => l['level'] === 50)).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_alert_records_unreadable_total')).toContain(
      'CL_DECODE_MALFORMED',
    );
  });
});
