import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createInMemoryMessaging, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

describe('a timer sweep that keeps failing', () => {
  it('is in the processor’s health and a metric past the grace period, until it succeeds', async () => {
    const { url, serde } = await startLoopback(cleanup);
    // The sentinel's shipped limits: a ticket may stay ROUTED for 15 minutes.
    const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url });
    const expected = new Bridge(config.policy);
    const messaging = createInMemoryMessaging();
    const metrics = new Metrics({ defaults: false });
    let refusing = false;
    const processor = new LifecycleProcessor({
      config,
      messaging,
      serde,
      logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
      schemasDir: SCHEMAS,
      clock: () => expected.now,
      metrics,
      // The broker refusing the sweep's transactions (a fenced or timed-out producer, say).
      commitHook: {
        before() {
          if (refusing) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'fault injection: commit refused');
        },
      },
    });
    const assigned = processor.nextAssignment();
    await processor.start();
    cleanup.push(() => processor.stop());
    await assigned;

    const opened = crm('S-1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const subject = subjectForTopic(config.topics.crmEvents);
    await messaging
      .producer()
      .send(config.topics.crmEvents, [{ key: 'S-1', value: await serde.encode(subject, opened.event) }]);
    await untilAsync('the ticket in state', async () => processor.ticketsInState().get(0) === 1);

    refusing = true;
    expected.now += 20 * 60_000;
    expect(await processor.checkTimersNow()).toBe(0);
    // Within the grace period, as a broker's restart would be.
    expect(processor.consumerHealth()?.state).toBe('reading');
    expected.now += config.processor.consumerFailingAfterMs;
    expect(await processor.checkTimersNow()).toBe(0);
    const health = processor.consumerHealth();
    expect(health?.state).toBe('failing');
    expect(health?.reason).toBe('the timer sweep of partition 0: fault injection: commit refused');
    expect(health?.failingForMs).toBe(config.processor.consumerFailingAfterMs);
    const failures = await metrics.sweepFailures.get();
    expect(failures.values).toEqual([
      expect.objectContaining({ labels: { sweep: 'timers', code: 'CL_KAFKA_TRANSIENT' }, value: 2 }),
    ]);

    refusing = false;
    // The stuck alert the failed sweeps could not write is written now, and the health clears.
    expect(await processor.checkTimersNow()).toBe(1);
    expect(processor.consumerHealth()?.state).toBe('reading');
  });
});
