import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeReadiness, type RunnerView } from '../../../src/observability/readiness.ts';
import { SinkRunner, SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const logger = createLogger({ level: 'silent' });
const env = { CRM_API_TOKEN: 'tok' };
// Probes every 5 ms and backs off at most 2 ms: anything slower is the system's Retry-After.
const FAST = { probeIntervalMs: 5, retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 } };

/** The CRM simulator throttling every call with 429 and `Retry-After: 1` (its throttle fault). */
async function throttledCrm() {
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const calls = () => [...sim.server.calls.values()].reduce((a, b) => a + b, 0);
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
  return { sim, calls, config };
}

const readiness = (kind: 'source' | 'sink', status: Omit<RunnerView, 'connector' | 'kind'>) =>
  judgeReadiness({
    phase: 'running',
    processorReady: true,
    brokerUp: true,
    registryUp: true,
    runners: [{ connector: 'crm-rest', kind, ...status }],
  }).reasons;

describe('runners and a system that answers 429 with Retry-After', () => {
  it('the source pauses, says until when, and asks again no sooner', async () => {
    const { serde } = await startLoopback(cleanup);
    const { sim, calls, config } = await throttledCrm();
    const messaging = createInMemoryMessaging();
    const topic = 'crm.ticket-events.v1';
    await messaging.admin().ensureTopics([{ topic, partitions: 1 }]);
    await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${topic}.avsc`)).schema);
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    sim.server.setFaults({ throttleRate: 1 });
    const source = crmRest.source?.(config, { logger, env, clock: Date.now });
    if (!source) throw new Error('no source');
    const runner = new SourceRunner({
      connector: 'crm-rest',
      cursorKey: 'crm-rest:testville',
      topic,
      source,
      messaging,
      serde,
      logger,
      pollIntervalMs: 5,
      ...FAST,
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the pause', () => runner.status().pausedBy === 'unavailable', 5_000);
    const [reason] = readiness('source', runner.status());
    expect(reason).toMatch(/^crm-rest source paused: unavailable \(HTTP 429: asked to retry after \d{4}-\d\d-\d\dT/);
    await new Promise((r) => setTimeout(r, 1_500));
    // A poll, then a probe a second later: not one every 5 ms.
    expect(calls()).toBeLessThanOrEqual(3);
    sim.server.setFaults({ throttleRate: 0 });
    await until('the change', () => runner.status().published === 1, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, pauseDetail: null });
  });

  it('the sink holds the record, says until when, and probes no sooner', async () => {
    const { serde } = await startLoopback(cleanup);
    const { sim, calls, config } = await throttledCrm();
    const messaging = createInMemoryMessaging();
    const topic = 'bridge.ticket-status.v1';
    await messaging.admin().ensureTopics([{ topic, partitions: 1 }]);
    await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${topic}.avsc`)).schema);
    const sink = crmRest.sink?.(config, { logger, env, clock: Date.now });
    if (!sink) throw new Error('no sink');
    const runner = new SinkRunner({
      connector: 'crm-rest',
      topic,
      recordName: RECORD_NAMES.status,
      groupId: 'retry-after-sink',
      sink,
      messaging,
      serde,
      logger,
      ...FAST,
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    const id = sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id;
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    sim.server.setFaults({ throttleRate: 1 });
    const producer = messaging.producer();
    for (const s of bridge.statuses)
      await producer.send(topic, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(topic), s) }]);
    await until('the pause', () => runner.status().pausedBy === 'unavailable', 5_000);
    const [reason] = readiness('sink', runner.status());
    expect(reason).toMatch(/^crm-rest sink paused: unavailable \(HTTP 429: asked to retry after \d{4}-\d\d-\d\dT/);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calls()).toBeLessThanOrEqual(3);
    expect(runner.status()).toMatchObject({ delivered: 0, deadLettered: 0 });
    sim.server.setFaults({ throttleRate: 0 });
    await until('the status', () => runner.status().delivered === 1, 5_000);
    expect(sim.applied).toHaveLength(1);
  });
});
