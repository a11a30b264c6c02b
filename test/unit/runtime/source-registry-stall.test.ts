import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import {
  AvroSerde,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { CrmTicketEvent } from '../../../src/sdk/index.ts';
import { crmSourceRunner } from '../../support/crm-source.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'crm.ticket-events.v1';

/** A CRM simulator with a source runner over it, and a loopback registry; the topic's schema is not registered. */
async function setup() {
  const { registry, url, serde } = await startLoopback(cleanup);
  const sim = new CrmSimulator({ token: 'tok' });
  const simUrl = await sim.start();
  cleanup.push(() => sim.stop());
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, deadLetterTopic(TOPIC)].map((topic) => ({ topic, partitions: 1 })));
  const logger = createLogger({ level: 'silent' });
  const runner = crmSourceRunner(simUrl, {
    topic: TOPIC,
    messaging,
    // Its own serde, which has no schema in hand: the first publish asks the registry.
    serde: new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, timeoutMs: 150 }),
    logger,
    pollIntervalMs: 5,
    probeIntervalMs: 5,
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  const register = async () =>
    serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  /** The ticket ids published, in order. */
  const published = async () => {
    const ids: string[] = [];
    await readToEnd(messaging, admin, TOPIC, 'all', async (r) => {
      ids.push((await serde.decode<CrmTicketEvent>(r.value)).value.ticketId);
    });
    return ids;
  };
  const deadLetters = async () => (await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high;
  return { registry, sim, runner, register, published, deadLetters };
}

// A worker started before the processor on a fresh install: no schema is registered under the
// topic's subject yet. That is no change's fault; dead-lettered, each would be buried for good
// (a source's dead letter never was on a topic, so no replay sends it) and the cursor moved past.
describe('a source whose topic has no schema registered yet', () => {
  it('pauses the runner on `registry`, dead-letters nothing, and publishes every change once it is registered', async () => {
    const { sim, runner, register, published, deadLetters } = await setup();
    for (let i = 0; i < 3; i += 1) sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    expect(runner.status()).toMatchObject({ published: 0, deadLettered: 0, cursor: null });
    expect(runner.status().error).toMatch(/looking up the schema of crm\.ticket-events\.v1-value/);
    expect(await deadLetters()).toBe('0');

    await register();
    await until('three changes', () => runner.status().published === 3, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, cursor: '3', deadLettered: 0 });
    expect(await published()).toHaveLength(3);
    expect(await deadLetters()).toBe('0');
  });
});

describe('a registry that stalls while a source publishes', () => {
  it('pauses the runner on `registry`, publishes nothing meanwhile, and every change once it answers', async () => {
    const { registry, sim, runner, register, published, deadLetters } = await setup();
    await register();
    for (let i = 0; i < 3; i += 1) sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    registry.stalled = true;
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    const asked = registry.requests;
    await until('a request more timed out', () => registry.requests > asked + 1, 5_000);
    expect(runner.status()).toMatchObject({ published: 0, pausedBy: 'registry', cursor: null });

    registry.stalled = false;
    await until('three changes', () => runner.status().published === 3, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, cursor: '3' });
    expect(await published()).toHaveLength(3);
    expect(await deadLetters()).toBe('0');
  });
});
