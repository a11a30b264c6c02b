import { randomUUID } from 'node:crypto';
import { createInMemoryMessaging } from '../../src/messaging/index.ts';
import { messagingConformance } from '../conformance/messaging.ts';

messagingConformance({
  name: 'in memory',
  messaging: () => createInMemoryMessaging({ rewindDelayMs: 5 }),
  timingOut: () => ({
    messaging: createInMemoryMessaging({ rewindDelayMs: 5, transactionTimeoutMs: 1_000 }),
    timeoutMs: 1_000,
  }),
  unique: (prefix) => `${prefix}.${randomUUID().slice(0, 12)}`,
  waitMs: 2_000,
});
