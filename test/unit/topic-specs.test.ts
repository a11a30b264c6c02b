import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { topicSpecs } from '../../src/processor/index.ts';

describe('topic specs', () => {
  it('compacts state and KPI topics, keeps statuses and violations for good, co-partitions all', async () => {
    const { topics } = await loadConfig('config/closeloop.yaml', {});
    const specs = new Map(topicSpecs(topics, 6).map((s) => [s.topic, s]));
    expect(specs.get(topics.state)?.config).toEqual({ 'cleanup.policy': 'compact' });
    expect(specs.get(topics.kpi)?.config).toEqual({ 'cleanup.policy': 'compact' });
    // The KPI job and the status API read these from the beginning.
    expect(specs.get(topics.status)?.config).toEqual({ 'retention.ms': '-1' });
    expect(specs.get(topics.quarantine)?.config).toEqual({ 'retention.ms': '-1' });
    expect(specs.get(topics.crmEvents)?.config).toEqual({});
    expect(specs.has(topics.cursors)).toBe(false);
    expect([...specs.values()].every((s) => s.partitions === 6)).toBe(true);
  });
});
