import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { openAlerts } from '../../../src/ops/alerts.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm, dept } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

describe('the retention sweep', () => {
  it('clears the alerts a closed ticket holds open in the transaction that deletes its state', async () => {
    const { url, serde } = await startLoopback(cleanup);
    // Retention of 30 days; the sentinel's shipped limits (a status unconfirmed after 5 minutes).
    const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url });
    const messaging = createInMemoryMessaging();
    let now = 1_790_000_000_000;
    const processor = new LifecycleProcessor({
      config,
      messaging,
      serde,
      logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      schemasDir: SCHEMAS,
      clock: () => now,
    });
    const assigned = processor.nextAssignment();
    await processor.start();
    cleanup.push(() => processor.stop());
    await assigned;

    // Opened, then done by the department; the CRM sink is down, so no receipt confirms v2.
    const send = async (topic: string, event: { ticketId: string }) =>
      messaging
        .producer()
        .send(topic, [{ key: event.ticketId, value: await serde.encode(subjectForTopic(topic), event) }]);
    await send(config.topics.crmEvents, crm('X-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }).event);
    await untilAsync('the ticket in state', async () => processor.ticketsInState().get(0) === 1);
    now += MINUTE;
    await send(
      config.topics.deptEvents,
      dept('X-1', 'X-1#1', 'maximo', 'COMP', 2, { department: 'transportation' }).event,
    );
    const admin = messaging.admin();
    const statuses = async () => {
      let n = 0;
      await readToEnd(messaging, admin, config.topics.status, 'all', async () => void (n += 1));
      return n;
    };
    await untilAsync('the resolution published (v2)', async () => (await statuses()) === 2);
    now += 10 * MINUTE;
    expect(await processor.checkTimersNow()).toBe(1);
    const open = () => openAlerts(messaging, admin, serde, config.topics.alerts);
    expect((await open()).map((a) => [a.alertId, a.status])).toEqual([['X-1|STATUS_UNCONFIRMED|', 'RAISED']]);

    now += 31 * DAY;
    expect(await processor.expireNow()).toBe(1);
    expect(processor.ticketsInState().get(0) ?? 0).toBe(0);
    // Nothing else could clear it now: no ticket is left to move, and `alerts ack` refuses it.
    expect(await open()).toEqual([]);
    const records: AlertRecord[] = [];
    await readToEnd(messaging, admin, config.topics.alerts, 'all', async (r) => {
      if (r.value) records.push((await serde.decodeAs<AlertRecord>(r.value, RECORD_NAMES.alerts)).value);
    });
    expect(records.at(-1)).toMatchObject({
      alertId: 'X-1|STATUS_UNCONFIRMED|',
      status: 'CLEARED',
      detail: expect.stringMatching(/^ticket expired \(closed .+\): its state is deleted after the retention window$/),
    });
  });

  it('keeps a ticket whose alert clearings cannot be written, in the health and a metric, until they are', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url });
    const messaging = createInMemoryMessaging();
    const metrics = new Metrics({ defaults: false });
    let now = 1_790_000_000_000;
    // The alerts topic's schema refusing what the sweep writes (a value no schema version holds).
    let refusing = false;
    const alertsSubject = subjectForTopic(config.topics.alerts);
    const refused = () => new CloseloopError('CL_ENCODE_INVALID', 'fault injection: alert refused by its schema');
    const { encode, encodeKnown } = serde;
    serde.encode = async (subject, value) => {
      if (refusing && subject === alertsSubject) throw refused();
      return encode.call(serde, subject, value);
    };
    serde.encodeKnown = (subject, value) => {
      if (refusing && subject === alertsSubject) throw refused();
      return encodeKnown.call(serde, subject, value);
    };
    const processor = new LifecycleProcessor({
      config,
      messaging,
      serde,
      logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      schemasDir: SCHEMAS,
      clock: () => now,
      metrics,
    });
    const assigned = processor.nextAssignment();
    await processor.start();
    cleanup.push(() => processor.stop());
    await assigned;

    const send = async (topic: string, event: { ticketId: string }) =>
      messaging
        .producer()
        .send(topic, [{ key: event.ticketId, value: await serde.encode(subjectForTopic(topic), event) }]);
    await send(config.topics.crmEvents, crm('X-2', 'OPENED', 1, { serviceCode: 'POTHOLE' }).event);
    await untilAsync('the ticket in state', async () => processor.ticketsInState().get(0) === 1);
    now += MINUTE;
    await send(
      config.topics.deptEvents,
      dept('X-2', 'X-2#1', 'maximo', 'COMP', 2, { department: 'transportation' }).event,
    );
    const admin = messaging.admin();
    await untilAsync('the resolution published (v2)', async () => {
      let n = 0;
      await readToEnd(messaging, admin, config.topics.status, 'all', async () => void (n += 1));
      return n === 2;
    });
    now += 10 * MINUTE;
    expect(await processor.checkTimersNow()).toBe(1);

    refusing = true;
    now += 31 * DAY;
    expect(await processor.expireNow()).toBe(0);
    expect(processor.ticketsInState().get(0)).toBe(1);
    // Within the grace period, as any sweep's failure.
    expect(processor.consumerHealth()?.state).toBe('reading');
    now += config.processor.consumerFailingAfterMs;
    expect(await processor.expireNow()).toBe(0);
    const health = processor.consumerHealth();
    expect(health?.state).toBe('failing');
    expect(health?.reason).toBe(
      'clearing the alerts of expired tickets of partition 0: 1 ticket kept past retention: ' +
        'fault injection: alert refused by its schema',
    );
    const failures = await metrics.sweepFailures.get();
    expect(failures.values).toEqual([
      expect.objectContaining({ labels: { sweep: 'expiry-decision', code: 'CL_ENCODE_INVALID' }, value: 2 }),
    ]);

    refusing = false;
    expect(await processor.expireNow()).toBe(1);
    expect(processor.ticketsInState().get(0) ?? 0).toBe(0);
    expect(processor.consumerHealth()?.state).toBe('reading');
  });
});
