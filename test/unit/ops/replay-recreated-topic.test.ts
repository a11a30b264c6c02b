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

// An audit written before replays kept topic ids was judged by comparing the dead letter's time
// (a worker's clock) with the audit's (the operator's): a worker clock 3 s ahead made a dead
// letter an old replay had re-sent look written after it, and it was re-sent a second time.
it('does not re-send a dead letter an audit without topic ids re-sent, whatever small clock skew', async () => {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, DLQ, AUDIT].map((topic) => ({ topic, partitions: 1 })));
  const error = new CloseloopError('CL_DELIVERY_EXHAUSTED', 'the CRM did not take it');
  const failed: IncomingRecord = {
    topic: TOPIC,
    partition: 0,
    offset: '0',
    key: Buffer.from('SR-1'),
    value: Buffer.from('v'),
    headers: {},
    timestamp: '0',
  };
  const at = Date.parse('2026-11-01T10:00:00.000Z');
  await messaging.producer().send(DLQ, [deadLetter(failed, error, 'crm', at + 3000)]);
  // What the previous version wrote: a whole audit keyed by its replay id, no topicIds.
  const old = {
    replayId: 'old-1',
    by: 'op',
    at: new Date(at).toISOString(),
    filter: {},
    again: false,
    reason: null,
    deadLetters: [`${DLQ}:0:0`],
    origins: [`${DLQ}:0:0`],
    skipped: [],
  };
  await messaging.producer().send(AUDIT, [{ key: 'old-1', value: Buffer.from(JSON.stringify(old)) }]);
  const [d] = await listDeadLetters(messaging, admin, {}, [DLQ]);
  if (!d) throw new Error('no dead letter');
  expect(replayState(d, await readReplayHistory(messaging, admin, AUDIT))).toEqual({ state: 'replayed', by: 'old-1' });
  const scope = { deadLetterTopics: [DLQ], audit: { topic: AUDIT, partitions: 1 }, transactionalId: 'r' };
  const second = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect(second.deadLetters).toEqual([]);
  // The replay records the id of every dead-letter topic of the pipeline, not only of those a
  // dead letter matched: a later replay then tells a topic created again from this one's word.
  expect(Object.keys(second.topicIds ?? {})).toEqual([DLQ]);

  // Created again later, with an audit that recorded the new id since: the old word is not this
  // dead letter's, though it is written within the margin of the old replay's time.
  await admin.deleteTopics([DLQ]);
  await admin.ensureTopics([{ topic: DLQ, partitions: 1 }]);
  const empty = await replayDeadLetters(messaging, admin, { ticket: 'none' }, 'op@city', scope);
  expect(Object.keys(empty.topicIds ?? {})).toEqual([DLQ]);
  await messaging.producer().send(DLQ, [deadLetter(failed, error, 'crm', at + 3000)]);
  const third = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect(third.deadLetters).toEqual([`${DLQ}:0:0`]);
});
