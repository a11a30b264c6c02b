import { expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetter,
  deadLetterTopic,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { listDeadLetters, readReplayHistory, replayDeadLetters, replayState } from '../../../src/ops/index.ts';

const TOPIC = 'bridge.ticket-status.v1';
const DLQ = deadLetterTopic(TOPIC);
const AUDIT = 'closeloop.dlq-replays';

// Deleted and provisioned again, the dead-letter topic starts at offset 0 while the audit is kept:
// the new dead letter at 0 was listed as replayed by last month's replay and never re-sent.
it('replays a new dead letter of a dead-letter topic created again at an id an earlier replay named', async () => {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, DLQ].map((topic) => ({ topic, partitions: 1 })));
  const error = new CloseloopError('CL_DELIVERY_EXHAUSTED', 'the CRM did not take it');
  const failed = (key: string): IncomingRecord => ({
    topic: TOPIC,
    partition: 0,
    offset: '0',
    key: Buffer.from(key),
    value: Buffer.from(`status of ${key}`),
    headers: {},
    timestamp: '0',
  });
  const scope = { deadLetterTopics: [DLQ], audit: { topic: AUDIT, partitions: 1 }, transactionalId: 'r' };
  await messaging.producer().send(DLQ, [deadLetter(failed('SR-1'), error, 'crm', Date.now())]);
  const first = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect(first.deadLetters).toEqual([`${DLQ}:0:0`]);

  await admin.deleteTopics([DLQ]);
  await admin.ensureTopics([{ topic: DLQ, partitions: 1 }]);
  await messaging.producer().send(DLQ, [deadLetter(failed('SR-2'), error, 'crm', Date.now())]);
  const [fresh] = await listDeadLetters(messaging, admin, {}, [DLQ]);
  expect(fresh?.key).toBe('SR-2');
  if (!fresh) return;
  expect(replayState(fresh, await readReplayHistory(messaging, admin, AUDIT))).toEqual({ state: 'not replayed' });
  const second = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect([second.deadLetters, second.skipped]).toEqual([[`${DLQ}:0:0`], []]);
  // And that one, once re-sent, is not re-sent again.
  const third = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect(third.skipped).toEqual([{ id: `${DLQ}:0:0`, reason: `already replayed by ${second.replayId}` }]);
});
