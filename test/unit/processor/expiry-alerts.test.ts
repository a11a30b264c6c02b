import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import type { AlertRecord } from '../../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  readToEnd,
  subjectForTopic,
  type AvroSerde,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { openAlerts } from '../../../src/ops/alerts.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm, dept } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { assignedProcessor, sendEvent } from '../../support/memory-processor.ts';
import { testConfig } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

/**
 * A processor holding ticket `id` opened, then done by the department, its CRM sink down so no
 * receipt confirms v2: ten minutes on, a STATUS_UNCONFIRMED alert is open. Retention of 30 days;
 * the sentinel's shipped limits (a status unconfirmed after 5 minutes).
 */
async function unconfirmedResolution(
  id: string,
  o: { readonly serde: AvroSerde; readonly config: CloseloopConfig; readonly metrics?: Metrics },
) {
  const messaging: Messaging = createInMemoryMessaging();
  const clock = { now: 1_790_000_000_000 };
  const { config, serde } = o;
  const processor = await assignedProcessor({ ...o, messaging, clock: () => clock.now });
  cleanup.push(() => processor.stop());
  await sendEvent(messaging, serde, config.topics.crmEvents, crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }).event);
  await untilAsync('the ticket in state', async () => processor.ticketsInState().get(0) === 1);
  clock.now += MINUTE;
  const done = dept(id, `${id}#1`, 'maximo', 'COMP', 2, { department: 'transportation' }).event;
  await sendEvent(messaging, serde, config.topics.deptEvents, done);
  const admin = messaging.admin();
  await untilAsync('the resolution published (v2)', async () => {
    let n = 0;
    await readToEnd(messaging, admin, config.topics.status, 'all', async () => void (n += 1));
    return n === 2;
  });
  clock.now += 10 * MINUTE;
  expect(await processor.checkTimersNow()).toBe(1);
  const open = () => openAlerts(messaging, admin, serde, config.topics.alerts);
  expect((await open()).map((a) => [a.alertId, a.status])).toEqual([[`${id}|STATUS_UNCONFIRMED|`, 'RAISED']]);
  return { processor, clock, messaging, admin, open };
}

describe('the retention sweep', () => {
  it('clears the alerts a closed ticket holds open in the transaction that deletes its state', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url });
    const { processor, clock, messaging, admin, open } = await unconfirmedResolution('X-1', { serde, config });

    clock.now += 31 * DAY;
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
    const metrics = new Metrics({ defaults: false });
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
    const { processor, clock } = await unconfirmedResolution('X-2', { serde, config, metrics });

    refusing = true;
    clock.now += 31 * DAY;
    expect(await processor.expireNow()).toBe(0);
    expect(processor.ticketsInState().get(0)).toBe(1);
    // Within the grace period, as any sweep's failure.
    expect(processor.consumerHealth()?.state).toBe('reading');
    clock.now += config.processor.consumerFailingAfterMs;
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
