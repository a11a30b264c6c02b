import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { topicSpecs } from '../../src/topics/index.ts';
import { testMessaging } from '../support/kafka.ts';
import { testConfig } from '../support/processor.ts';

describe('alerts ack of an alert that is not open', () => {
  it('exits 1 with CL_ALERT_NOT_OPEN, not the usage error code', async () => {
    const { config } = await testConfig();
    const admin = testMessaging().admin();
    await admin.connect();
    await admin.ensureTopics(topicSpecs(config).filter((s) => s.topic === config.topics.alerts));
    await admin.disconnect();
    const errors: string[] = [];
    const code = await runAlerts(
      'ack',
      config,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
      { id: 'nope', by: 'ops@city' },
    );
    expect(code).toBe(1);
    expect(errors).toEqual(['closeloop: CL_ALERT_NOT_OPEN: no alert nope is open']);
  });
});
