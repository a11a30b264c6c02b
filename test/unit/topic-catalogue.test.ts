import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { deadLetterTopic } from '../../src/messaging/index.ts';
import { deadLetterTopics, repartitionTopic, topicCatalogue } from '../../src/topics/index.ts';

describe('topic catalogue', () => {
  it('compacts state, KPI and cursor topics, keeps statuses, violations and the replay audit for good', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const { topics } = config;
    const specs = new Map(topicCatalogue(config).map((e) => [e.topic, e.spec]));
    expect(specs.get(topics.state)?.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(specs.get(topics.kpi)?.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(specs.get(topics.cursors)?.config).toEqual({ 'cleanup.policy': 'compact' });
    // The KPI job and the status API read these from the beginning.
    expect(specs.get(topics.status)?.config).toEqual({ 'retention.ms': '-1' });
    expect(specs.get(topics.quarantine)?.config).toEqual({ 'retention.ms': '-1' });
    expect(specs.get(topics.dlqReplays)?.config).toEqual({ 'retention.ms': '-1' });
    expect(specs.get(topics.crmEvents)?.config).toEqual({});
  });

  // With the broker's default retention (7 days), a dead letter no one replayed within the week
  // was deleted, though dlq list and a later replay are what it is kept for.
  it('keeps every dead-letter topic for good', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const dead = topicCatalogue(config).filter((e) => e.role === 'dead-letter');
    expect(dead.length).toBeGreaterThan(0);
    for (const e of dead) expect([e.topic, e.spec.config]).toEqual([e.topic, { 'retention.ms': '-1' }]);
  });

  it('gives every consumed topic a dead-letter topic, and nothing else one', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const { topics } = config;
    const consumed = [
      topics.crmEvents,
      topics.deptEvents,
      topics.links,
      topics.deliveries,
      topics.operatorCommands,
      topics.status,
      topics.commands,
      repartitionTopic(config, 'crmEvents'),
      repartitionTopic(config, 'deptEvents'),
    ];
    expect(deadLetterTopics(config).sort()).toEqual(consumed.map(deadLetterTopic).sort());
    const names = topicCatalogue(config).map((e) => e.topic);
    expect(new Set(names).size).toBe(names.length);
  });

  it('co-partitions every ticket-keyed topic; the KPI, cursor, audit and alert topics stand apart', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const apart = topicCatalogue(config)
      .filter((e) => !e.coPartitioned)
      .map((e) => e.topic)
      .sort();
    expect(apart).toEqual(
      [config.topics.cursors, config.topics.dlqReplays, config.topics.kpi, config.topics.alerts].sort(),
    );
    const co = topicCatalogue(config).filter((e) => e.coPartitioned);
    expect(co.every((e) => e.spec.partitions === config.processor.partitions)).toBe(true);
  });

  it('names repartition topics after the processor group, as Kafka Streams does', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(repartitionTopic(config, 'deptEvents')).toBe('closeloop-processor-dept.work-order-events.v1-repartition');
  });
});
