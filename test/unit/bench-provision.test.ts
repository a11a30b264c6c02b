import { describe, expect, it } from 'vitest';
import { provision } from '../../bench/harness.ts';
import { createInMemoryMessaging, subjectForTopic } from '../../src/messaging/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { testConfig } from '../support/processor.ts';

const cleanup = cleanupAfter('each');

// The bench's local registry shares two cores with a busy broker: a moment of it not answering
// between scenarios must not end the bench run.
describe('bench provision', () => {
  it('registers the input schemas once the registry answers again', async () => {
    const { registry, url, serde } = await startLoopback(cleanup);
    const { config } = await testConfig(3, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
    const admin = createInMemoryMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    registry.down = true;
    const provisioning = provision(config, admin, serde);
    // Back once it has been refused at least once.
    while (registry.requests === 0) await new Promise((r) => setTimeout(r, 5));
    registry.down = false;
    await provisioning;
    expect(registry.subjects().sort()).toEqual(
      [subjectForTopic(config.topics.crmEvents), subjectForTopic(config.topics.deptEvents)].sort(),
    );
  });
});
