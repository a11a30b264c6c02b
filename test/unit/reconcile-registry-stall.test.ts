import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde, createInMemoryMessaging, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { provisionTopics } from '../../src/processor/provision.ts';
import { runReconciliation } from '../../src/reconcile/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { testConfig } from '../support/processor.ts';

const cleanup = cleanupAfter('each');

// Registration waits out a registry that stays stalled through every try, quickly here.
const FAST = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 };

/** A loopback registry, topics on an in-memory broker, and a run's options with no system to ask. */
async function setup(registerRetry?: typeof FAST) {
  const { registry, url } = await startLoopback(cleanup);
  const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.connect();
  await provisionTopics(admin, config);
  const metrics = new Metrics({ defaults: false });
  const options = {
    config,
    messaging,
    serde: new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, timeoutMs: 150, registerRetry }),
    logger: createLogger({ level: 'silent' }),
    lookups: { crm: null, departments: [], stop: () => Promise.resolve() },
    metrics,
  };
  return { registry, config, metrics, options };
}

describe('a reconciliation run while the registry stalls', () => {
  it('fails with the registry named and is counted, and the next run goes through once it answers', async () => {
    const { registry, config, metrics, options } = await setup(FAST);
    const failed = async () => (await metrics.reconcileFailed.get()).values.map((v) => [v.labels['code'], v.value]);

    registry.stalled = true;
    const err = await runReconciliation(options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    expect((err as Error).message).toMatch(/drift.*the registry did not answer: Timeout/);
    expect(await failed()).toEqual([['CL_SCHEMA_REGISTRY_UNAVAILABLE', 1]]);

    registry.stalled = false;
    const report = await runReconciliation(options);
    expect(report.checked).toBe(0);
    expect(registry.subjects()).toContain(subjectForTopic(config.topics.drift));
    expect(await failed()).toEqual([['CL_SCHEMA_REGISTRY_UNAVAILABLE', 1]]);
  });

  it('ends at once, stopped, when told to stop while it registers, without counting a failure', async () => {
    // As the worker builds its serde: registration waits a stalled registry out for 8 to 11 s of
    // backoff (REGISTRY_START_RETRY), which a stopping worker must not wait for.
    const { registry, metrics, options } = await setup();
    const stop = new AbortController();
    registry.stalled = true;
    const run = runReconciliation({ ...options, signal: stop.signal });
    while (registry.requests === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    expect(await run).toMatchObject({ checked: 0, stopped: true, stoppedBecause: 'stopped' });
    expect(registry.requests).toBe(1);
    expect((await metrics.reconcileFailed.get()).values).toEqual([]);
  });
});
