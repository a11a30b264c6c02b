import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { openAlerts } from '../../src/ops/index.ts';
import { SilenceWatch, type WatchedSource } from '../../src/worker/silence-watch.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { testConfig } from '../support/processor.ts';

const cleanup = cleanupAfter('each');

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T13:00:00.000Z');

async function setUp() {
  const { serde, url } = await startLoopback(cleanup);
  const { config } = await testConfig(1, 30, { brokers: 'in-memory:9092', registryUrl: url });
  const logger = createLogger({ level: 'silent' });
  const messaging = createInMemoryMessaging({ rewindDelayMs: 5, logger });
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic: config.topics.alerts }]);
  await serde.register(
    subjectForTopic(config.topics.alerts),
    (await readSchemaFile('schemas/bridge.alerts.v1.avsc')).schema,
  );
  const metrics = new Metrics({ defaults: false });
  const open = () => openAlerts(messaging, admin, serde, config.topics.alerts);
  const watch = (o: Pick<ConstructorParameters<typeof SilenceWatch>[0], 'sources' | 'unwatched'>) => {
    const w = new SilenceWatch({ ...o, config, messaging, serde, metrics, logger });
    cleanup.push(() => w.stop());
    return w;
  };
  return { open, watch };
}

// A source quiet since T0, expected to send something every 30 minutes.
const quiet = (connector: string): WatchedSource => ({
  connector,
  settings: { limitMinutes: 30, timeZone: 'UTC', hours: [] },
  departments: ['housing'],
  lastRecordAt: () => T0,
  lastPublishedAt: () => T0,
});

describe('silence watch', () => {
  it('tells in readiness how long a source has been silent as of now, not as of the raise', async () => {
    const s = await setUp();
    const w = s.watch({ sources: [quiet('posse')] });
    await w.start(3_600_000);
    await w.check(T0 + 120 * MIN);
    const [raised] = await s.open();
    // The stored detail stays true for as long as the alert is open.
    expect(raised?.detail).toBe('silent past its limit of 30 min');
    expect(w.reasons(T0 + 3 * 24 * 60 * MIN)).toEqual([
      'posse source silent: no records for 3 d 0 h (since 2026-05-04T13:00:00.000Z); silent past its limit of 30 min',
    ]);
  });

  it('clears the open alert of a source its worker runs with no cadence any more, and no other', async () => {
    const s = await setUp();
    const before = s.watch({ sources: [quiet('posse'), quiet('maximo'), quiet('cityworks')] });
    await before.start(3_600_000);
    await before.check(T0 + 120 * MIN);
    await before.stop();
    expect((await s.open()).map((a) => a.connector).sort()).toEqual(['cityworks', 'maximo', 'posse']);

    // Redeployed: posse's `silence:` block dropped; maximo's too, but another worker holds its
    // source's lease now; cityworks is in no connector entry of this worker's config (renamed,
    // removed, or another worker's), so this one cannot know it is no longer watched.
    const after = s.watch({
      sources: [],
      unwatched: [
        { connector: 'posse', departments: ['housing'] },
        { connector: 'maximo', departments: ['streets'], runs: () => false },
      ],
    });
    await after.start(3_600_000);
    await after.check(T0 + 121 * MIN);
    expect((await s.open()).map((a) => a.connector).sort()).toEqual(['cityworks', 'maximo']);
    // An unwatched source's alert is no readiness reason, here or before it is cleared.
    expect(after.reasons()).toEqual([]);
  });
});
