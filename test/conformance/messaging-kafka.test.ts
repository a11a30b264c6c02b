import { testMessaging, uniqueName } from '../support/kafka.ts';
import { messagingConformance } from './messaging.ts';

messagingConformance({
  name: 'the Kafka adapter (@platformatic/kafka) on the real broker',
  messaging: () => testMessaging(),
  // The adapter asks for its request timeout as its producers' transaction timeout; 5 s leaves
  // a group's join room on a broker that delays a new group's first rebalance (3 s by default).
  timingOut: () => ({
    messaging: testMessaging(uniqueName('timing-out'), undefined, { requestTimeoutMs: 5_000 }),
    timeoutMs: 5_000,
  }),
  unique: uniqueName,
  waitMs: 30_000,
});
