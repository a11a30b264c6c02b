import { testMessaging, uniqueName } from '../support/kafka.ts';
import { messagingConformance } from './messaging.ts';

messagingConformance({
  name: 'kafkajs on the real broker',
  messaging: () => testMessaging(),
  unique: uniqueName,
  waitMs: 30_000,
});
