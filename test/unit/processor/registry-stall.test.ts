import { describe, expect, it } from 'vitest';
import { AvroSerde, createInMemoryMessaging, subjectForTopic } from '../../../src/messaging/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm } from '../../support/domain.ts';
import {
  deadLettersOf,
  inMemoryProcessor,
  shippedSchema,
  statusBrief,
  statusBriefs,
  untilCrmRead,
} from '../../support/in-memory-processor.ts';
import { LoopbackRegistry, TRAEFIK_404 } from '../../support/loopback-registry.ts';
import { testConfig } from '../../support/processor.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

/** A processor whose serde gives up on a registry request after 150 ms, failing after 300 ms of it. */
async function setup() {
  const registry = new LoopbackRegistry();
  const url = await registry.start();
  cleanup.push(() => registry.stop());
  const loaded = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const config = { ...loaded.config, processor: { ...loaded.config.processor, consumerFailingAfterMs: 300 } };
  const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, timeoutMs: 150 });
  const expected = new Bridge(config.policy);
  const messaging = createInMemoryMessaging();
  const { processor } = await inMemoryProcessor(cleanup, { serde, config, expected, messaging });
  /** Waits for the processor to report failing, with requests left unanswered meanwhile. */
  const untilFailing = async () => {
    const asked = registry.requests;
    await until('the processor failing', () => processor.consumerHealth()?.state === 'failing', 10_000);
    await until('a request more timed out', () => registry.requests > asked + 1, 10_000);
    expect(processor.consumerHealth()?.reason).toMatch(/the registry did not answer: Timeout/);
  };
  return { registry, config, serde, expected, messaging, processor, untilFailing };
}

// Its outputs' schemas are the ones it registered at start, which the registry client keeps: only
// a writer's schema id it has not seen (a foreign producer's) sends it to the registry while it runs.
describe('a registry that stalls while the processor runs', () => {
  it('holds a record of a schema id it has not seen until the registry answers, failing visibly meanwhile', async () => {
    const { registry, config, serde, expected, messaging, processor, untilFailing } = await setup();
    // A city's producer with a schema of its own (a field more): the processor has never seen its id.
    const city = new AvroSerde({ url: config.schemaRegistry.url, retries: 0 });
    const subject = subjectForTopic(config.topics.crmEvents);
    const own = await shippedSchema(CANONICAL.crmEvents);
    own.fields.push({ name: 'ward', type: ['null', 'string'], default: null } as (typeof own.fields)[number]);
    await city.register(subject, own);
    const event = crm('S-1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const value = await city.encode(subject, event.event);
    registry.stalled = true;
    await messaging.producer().send(config.topics.crmEvents, [{ key: 'S-1', value }]);
    await untilFailing();
    expect(await deadLettersOf(messaging, config.topics.crmEvents)).toEqual([]);

    registry.stalled = false;
    await untilCrmRead(messaging, config, 1);
    expected.send(event);
    expect(await statusBriefs(messaging, serde, config)).toEqual(expected.statuses.map(statusBrief));
    expect(await deadLettersOf(messaging, config.topics.crmEvents)).toEqual([]);
    await until('the processor reading', () => processor.consumerHealth()?.state === 'reading', 10_000);
  });
});

// Behind a reverse proxy, a registry that restarts is answered for by the proxy: its own 404
// (Traefik's `404 page not found`), not the registry's JSON 40403. That is the registry out of
// reach, not a schema id no one registered: the record is held, never dead-lettered.
describe("a proxy's 404 in the place of the registry while the processor runs", () => {
  it('holds a record of a schema id it has not seen until the registry answers, failing visibly meanwhile', async () => {
    const { registry, config, serde, expected, messaging, processor } = await setup();
    const city = new AvroSerde({ url: config.schemaRegistry.url, retries: 0 });
    const subject = subjectForTopic(config.topics.crmEvents);
    const own = await shippedSchema(CANONICAL.crmEvents);
    own.fields.push({ name: 'ward', type: ['null', 'string'], default: null } as (typeof own.fields)[number]);
    await city.register(subject, own);
    const event = crm('S-1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const value = await city.encode(subject, event.event);
    registry.proxy404 = TRAEFIK_404;
    await messaging.producer().send(config.topics.crmEvents, [{ key: 'S-1', value }]);
    await until('the processor failing', () => processor.consumerHealth()?.state === 'failing', 10_000);
    expect(processor.consumerHealth()?.reason).toMatch(/\(HTTP 404\) is not the registry's "not found"/);
    expect(await deadLettersOf(messaging, config.topics.crmEvents)).toEqual([]);

    registry.proxy404 = null;
    await untilCrmRead(messaging, config, 1);
    expected.send(event);
    expect(await statusBriefs(messaging, serde, config)).toEqual(expected.statuses.map(statusBrief));
    expect(await deadLettersOf(messaging, config.topics.crmEvents)).toEqual([]);
    await until('the processor reading', () => processor.consumerHealth()?.state === 'reading', 10_000);
  });
});
