import { testMessaging, uniqueName } from '../support/kafka.ts';
import { messagingConformance } from './messaging.ts';

messagingConformance({
  name: 'the Kafka adapter (@platformatic/kafka) on the real broker',
  messaging: () => testMessaging(),
  unique: uniqueName,
  waitMs: 30_000,
});
