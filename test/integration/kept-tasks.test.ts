import { AvroSerde } from '../../src/messaging/index.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { keptTaskCases } from '../support/kept-tasks.ts';
import { testConfig } from '../support/processor.ts';

// On the real broker: its commit markers take an offset of each partition a transaction wrote,
// as the in-memory ones do, so a task counts where its own commits leave the changelog.
keptTaskCases('the Kafka adapter on the real broker', async () => {
  const { config } = await testConfig(3);
  return { config, serde: new AvroSerde({ url: endpoints().registryUrl }), messaging: testMessaging() };
});
