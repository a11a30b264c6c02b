import { afterAll, describe, expect, it } from 'vitest';
import { deadLetterTopic } from '../../src/messaging/index.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { rejection } from '../conformance/messaging-context.ts';
import { testMessaging } from '../support/kafka.ts';
import { testConfig, testProcessor } from '../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

describe('a processor starting on topics that exist already, on the real broker', () => {
  // Topics created before they were kept for good, or by an operator's tool with the broker's
  // defaults: Kafka would delete their records after 7 days, the state of quiet tickets with them.
  it('refuses to start while a topic kept for good would lose records, naming each and its fix', async () => {
    const { config } = await testConfig(1);
    const admin = messaging.admin();
    await admin.connect();
    const dead = deadLetterTopic(config.topics.deptEvents);
    try {
      await admin.ensureTopics([
        { topic: config.topics.state, partitions: 1 },
        { topic: config.topics.status, partitions: 1, config: { 'retention.ms': '86400000' } },
        { topic: dead, partitions: 1 },
      ]);
    } finally {
      await admin.disconnect();
    }
    const processor = testProcessor(config, messaging);
    running.push(processor);
    const err = await rejection(processor.start());
    expect(err.code).toBe('CL_TOPIC_SETTINGS');
    expect(Object.keys((err.details as { topics: Record<string, unknown> }).topics).sort()).toEqual(
      [config.topics.state, config.topics.status, dead].sort(),
    );
    expect(err.message).toContain(
      `${config.topics.status} (topics.status): retention.ms=86400000 deletes records after 1 day`,
    );
    expect(err.message).toContain(`--entity-name ${config.topics.state} --add-config cleanup.policy=compact`);
  }, 90_000);
});
