import { describe, expect, it } from 'vitest';
import {
  AvroSerde,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import type { Sink, TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback, TRAEFIK_404, type LoopbackRegistry } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'bridge.ticket-status.v1';
const RECEIPTS = 'bridge.deliveries.v1';

/** A sink runner on a loopback registry whose serde gives up on a request after 150 ms. */
async function setup(onDeliver: () => void = () => {}) {
  const { registry, url, serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, deadLetterTopic(TOPIC), RECEIPTS].map((topic) => ({ topic, partitions: 1 })));
  for (const topic of [TOPIC, RECEIPTS])
    await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${topic}.avsc`)).schema);
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm('SR-A', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  const [status] = bridge.statuses;
  if (!status) throw new Error('expected a status');
  const delivered: string[] = [];
  const sink: Sink<TicketStatusChange> = {
    deliver: async (s) => {
      delivered.push(`${s.ticketId}@${s.version}`);
      onDeliver();
    },
    health: () => Promise.resolve({ status: 'up' }),
  };
  const runner = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    receiptsTopic: RECEIPTS,
    groupId: 'crm-sink',
    sink,
    messaging,
    serde: new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, timeoutMs: 150 }),
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs: 5,
  });
  const value = await serde.encode(subjectForTopic(TOPIC), status);
  const receipts = async () => {
    const got: string[] = [];
    await readToEnd(messaging, admin, RECEIPTS, 'all', async (r) => {
      const v = (await serde.decode<{ ticketId: string; outcome: string }>(r.value)).value;
      got.push(`${v.ticketId} ${v.outcome}`);
    });
    return got;
  };
  return { registry, messaging, admin, runner, value, status, delivered, receipts };
}

describe('a registry that stalls while a sink runs', () => {
  it('holds the record it cannot decode, paused on `registry`, and delivers it once the registry answers', async () => {
    const { registry, messaging, admin, runner, value, status, delivered, receipts } = await setup();
    registry.stalled = true;
    await runner.start();
    cleanup.push(() => runner.stop());
    await messaging.producer().send(TOPIC, [{ key: status.ticketId, value }]);
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    const asked = registry.requests;
    await until('a request more timed out', () => registry.requests > asked + 1, 5_000);
    expect(runner.status()).toMatchObject({ deadLettered: 0, delivered: 0, pausedBy: 'registry' });
    registry.stalled = false;
    await until('the delivery', () => runner.status().delivered === 1, 5_000);
    await untilAsync('the receipt', async () => (await receipts()).length === 1, 5_000);
    expect(await receipts()).toEqual(['SR-A DELIVERED']);
    expect(delivered).toEqual(['SR-A@1']);
    expect(runner.status()).toMatchObject({ deadLettered: 0, pausedBy: null });
    expect((await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high).toBe('0');
  });

  it("holds the record while a proxy answers its own 404 in the registry's place, dead-lettering nothing", async () => {
    // A registry restarting behind Traefik: `404 page not found`, not the registry's JSON 40403.
    const { registry, messaging, admin, runner, value, status, delivered } = await setup();
    registry.proxy404 = TRAEFIK_404;
    await runner.start();
    cleanup.push(() => runner.stop());
    await messaging.producer().send(TOPIC, [{ key: status.ticketId, value }]);
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    expect(runner.status()).toMatchObject({ deadLettered: 0, delivered: 0 });
    registry.proxy404 = null;
    await until('the delivery', () => runner.status().delivered === 1, 5_000);
    expect(delivered).toEqual(['SR-A@1']);
    expect(runner.status()).toMatchObject({ deadLettered: 0, pausedBy: null });
    expect((await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high).toBe('0');
  });

  it('holds a delivered record’s receipt, paused on `registry`, and delivers the record once only', async () => {
    // Before, the receipt's failure failed the batch, and each fetch of it delivered the record again.
    // The registry stalls as the record is delivered: it decoded, and the receipts' schema is not in hand yet.
    const stall = { registry: null as LoopbackRegistry | null };
    const { registry, messaging, admin, runner, value, status, delivered, receipts } = await setup(() => {
      if (stall.registry) stall.registry.stalled = true;
    });
    stall.registry = registry;
    await runner.start();
    cleanup.push(() => runner.stop());
    await messaging.producer().send(TOPIC, [{ key: status.ticketId, value }]);
    await until(
      'a pause or a second delivery',
      () => runner.status().pausedBy === 'registry' || delivered.length > 1,
      5_000,
    );
    expect(runner.status().pausedBy).toBe('registry');
    // The probe's requests time out in turn: the stall outlasts a request's deadline.
    const asked = registry.requests;
    await until('a request more timed out', () => registry.requests > asked + 1, 5_000);
    expect(delivered).toEqual(['SR-A@1']);
    stall.registry = null;
    registry.stalled = false;
    await untilAsync('the receipt', async () => (await receipts()).length >= 1, 5_000);
    expect(await receipts()).toEqual(['SR-A DELIVERED']);
    expect(delivered).toEqual(['SR-A@1']);
    expect((await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high).toBe('0');
  });
});
