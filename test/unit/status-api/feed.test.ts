import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { StatusFeed, StatusProjection } from '../../../src/status-api/index.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { until } from '../../support/wait.ts';
import { feedOf, statusTopic } from './feed-fixture.ts';
import { status } from './fixtures.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

describe('status feed', () => {
  it('does not skip a status while the registry is down: its consumer says failing, and it is served once the registry is back', async () => {
    const topic = await statusTopic(cleanup, async (serde, subject) => [await serde.encode(subject, status('T1', 1))]);
    topic.registry.down = true;
    const projection = new StatusProjection();
    const feed = feedOf(cleanup, topic, projection);
    const started = feed.start();
    await until('the feed consumer failing', () => feed.health()?.state === 'failing', 5_000);
    expect(feed.health()?.reason).toMatch(/^handling batches of .+\/0: decoding a record with schema id \d+/);
    expect(feed.caughtUp).toBe(false);
    expect(feed.undecodable).toBe(0);

    topic.registry.down = false;
    await started;
    expect(projection.get('T1')?.version).toBe(1);
    expect(feed.undecodable).toBe(0);
    await until('reading again', () => feed.health()?.state === 'reading', 5_000);
  });

  it('does not skip a status while the registry stalls, each request timing out: failing, then served once it answers', async () => {
    const topic = await statusTopic(cleanup, async (serde, subject) => [await serde.encode(subject, status('T1', 1))]);
    topic.registry.stalled = true;
    const projection = new StatusProjection();
    const feed = feedOf(cleanup, topic, projection, 100);
    const started = feed.start();
    await until('the feed consumer failing', () => feed.health()?.state === 'failing', 5_000);
    const asked = topic.registry.requests;
    await until('a request more timed out', () => topic.registry.requests > asked + 1, 5_000);
    expect(feed.health()?.reason).toMatch(/decoding a record with schema id \d+: the registry did not answer: Timeout/);
    expect(feed.caughtUp).toBe(false);
    expect(feed.undecodable).toBe(0);

    topic.registry.stalled = false;
    await started;
    expect(projection.get('T1')?.version).toBe(1);
    expect(feed.undecodable).toBe(0);
    await until('reading again', () => feed.health()?.state === 'reading', 5_000);
  });

  it('skips and counts a record that does not decode, and catches up past it', async () => {
    const topic = await statusTopic(cleanup, async (serde, subject) => [
      Buffer.from([0, 0, 0, 0, 1, 0xff, 0xff]),
      await serde.encode(subject, status('T1', 2)),
    ]);
    const projection = new StatusProjection();
    const feed = feedOf(cleanup, topic, projection);
    await feed.start();
    expect(feed.undecodable).toBe(1);
    expect(projection.get('T1')?.version).toBe(2);
    expect(feed.health()?.state).toBe('reading');
  });

  it('after an outage mid-stream, reads again from the record that failed, not from the start', async () => {
    const topic = await statusTopic(cleanup, async (serde, subject) => [
      await serde.encode(subject, status('T1', 1)),
      await serde.encode(subject, status('T1', 2)),
    ]);
    const applied: number[] = [];
    const projection = new StatusProjection();
    const feed = new StatusFeed({
      config: topic.config,
      messaging: topic.messaging,
      serde: new AvroSerde({ ...topic.config.schemaRegistry, retries: 0 }),
      projection,
      onStatus: { applyStatus: (r) => applied.push(r.version), removeTicket: () => undefined },
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => feed.stop());
    await feed.start();
    expect(applied).toEqual([1, 2]);

    // A record under a schema id the feed has not seen, arriving while the registry is down.
    const writer = new AvroSerde({ ...topic.config.schemaRegistry, retries: 0 });
    const subject = subjectForTopic(topic.config.topics.status);
    const file = await readSchemaFile(path.join(SCHEMAS, 'bridge.ticket-status.v1.avsc'));
    await writer.register(subject, { ...file.schema, doc: 'v2: a new id, same shape' });
    const third = await writer.encode(subject, status('T1', 3));
    topic.registry.down = true;
    await topic.messaging.producer().send(topic.config.topics.status, [{ key: 'T1', value: third }]);
    await until('the feed consumer failing', () => feed.health()?.state === 'failing', 5_000);

    topic.registry.down = false;
    await until('the third status served', () => projection.get('T1')?.version === 3, 5_000);
    expect(applied).toEqual([1, 2, 3]);
    expect(feed.undecodable).toBe(0);
  });
});
