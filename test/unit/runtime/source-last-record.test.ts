import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createInMemoryMessaging, deadLetterTopic, type Messaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { CURSOR_TOPIC, SourceRunner } from '../../../src/runtime/index.ts';
import type { Source, SourceBatch } from '../../../src/sdk/index.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'crm.ticket-events.v1';

/** A source answering the batches queued in `script`, then nothing (its cursor unmoved). */
function scripted(script: SourceBatch<never>[]): Source<never> {
  return {
    poll: async (cursor) => script.shift() ?? { records: [], cursor: cursor ?? '0' },
    health: async () => ({ status: 'up' }),
  };
}

describe('when a source last published records, as its cursor stores it', () => {
  it('is read back by a restarted runner, carried on past left-out changes, and unknown for a new source', async () => {
    const { serde } = await startLoopback(cleanup);
    const messaging: Messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([
      { topic: TOPIC, partitions: 1 },
      { topic: deadLetterTopic(TOPIC), partitions: 1 },
    ]);
    const logger = createLogger({ level: 'silent' });
    const runner = (cursorKey: string, script: SourceBatch<never>[]) =>
      new SourceRunner({
        connector: 'crm-rest',
        cursorKey,
        topic: TOPIC,
        source: scripted(script),
        messaging,
        serde,
        logger,
        pollIntervalMs: 5,
        probeIntervalMs: 5,
      });
    const unreadable = {
      raw: { seq: 1 },
      error: new CloseloopError('CL_SOURCE_RECORD_INVALID', 'change seq 1 cannot be read'),
      position: 'seq 1',
      key: null,
    };

    const before = Date.now();
    const script: SourceBatch<never>[] = [{ records: [], rejected: [unreadable], cursor: '1' }];
    const one = runner('crm-rest:testville', script);
    await one.start();
    await until('the change published (dead-lettered)', () => one.status().deadLettered === 1, 5_000);
    const at = one.status().lastPublishedAt;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(one.status().lastRecordAt).toBe(at);
    // The cursor moves past changes the connector left out: no record, so the time stays.
    script.push({ records: [], cursor: '2' });
    await until('the cursor moved', () => one.status().cursor === '2', 5_000);
    await one.stop();
    expect(one.status().lastPublishedAt).toBe(at);

    // A restart (or another worker) measures silence from that publish, not from its own start.
    const two = runner('crm-rest:testville', []);
    await two.start();
    cleanup.push(() => two.stop());
    expect(two.status()).toMatchObject({ cursor: '2', lastPublishedAt: at, lastRecordAt: at });

    // A source that never published anything: from the runner's start.
    const started = Date.now();
    const fresh = runner('crm-rest:elsewhere', []);
    await fresh.start();
    cleanup.push(() => fresh.stop());
    expect(fresh.status().lastPublishedAt).toBeNull();
    expect(fresh.status().lastRecordAt).toBeGreaterThanOrEqual(started);
  });

  it("takes a cursor written before the time was stored with it by the record's own timestamp", async () => {
    const { serde } = await startLoopback(cleanup);
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: CURSOR_TOPIC, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = messaging.producer();
    await producer.connect();
    const before = Date.now();
    await producer.send(CURSOR_TOPIC, [{ key: 'crm-rest:testville', value: Buffer.from('7') }]);
    await producer.disconnect();
    const runner = new SourceRunner({
      connector: 'crm-rest',
      cursorKey: 'crm-rest:testville',
      topic: TOPIC,
      source: scripted([]),
      messaging,
      serde,
      logger: createLogger({ level: 'silent' }),
      pollIntervalMs: 5,
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    expect(runner.status().cursor).toBe('7');
    expect(runner.status().lastPublishedAt).toBeGreaterThanOrEqual(before);
    expect(runner.status().lastPublishedAt).toBeLessThanOrEqual(Date.now());
  });
});
