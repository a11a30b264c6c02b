import { expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetter,
  readHeaders,
  readToEnd,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { REPLAY_AT_HEADER, REPLAY_HEADER, REPLAY_ID_HEADER, replayDeadLetters } from '../../../src/ops/index.ts';

it('replays a dead letter with its own headers as written: repeated names and null values, none of its own', async () => {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.connect();
  await admin.ensureTopics([{ topic: 'events' }, { topic: 'events.dlq' }]);
  const original: IncomingRecord = {
    topic: 'events',
    partition: 0,
    offset: '4',
    timestamp: '0',
    key: Buffer.from('SR-1'),
    value: Buffer.from('v'),
    ...readHeaders([
      ['trace', Buffer.from('a')],
      ['trace', Buffer.from('b')],
      ['gone', null],
    ]),
  };
  const producer = messaging.producer();
  await producer.connect();
  await producer.send('events.dlq', [
    deadLetter(original, new CloseloopError('CL_DECODE_MALFORMED', 'bad'), 'lifecycle-processor', 0),
  ]);
  await producer.disconnect();

  const audit = await replayDeadLetters(messaging, admin, {}, 'operator@city', {
    deadLetterTopics: ['events.dlq'],
    audit: { topic: 'replays' },
    transactionalId: 'replay',
  });
  expect(audit.deadLetters).toEqual(['events.dlq:0:0']);
  const back: IncomingRecord[] = [];
  await readToEnd(messaging, admin, 'events', 'all', (r) => void back.push(r));
  expect(back).toHaveLength(1);
  expect(back[0]?.headerList?.map(([k, v]) => [k, v?.toString() ?? null])).toEqual([
    ['trace', 'a'],
    ['trace', 'b'],
    ['gone', null],
    [REPLAY_HEADER, 'events.dlq:0:0'],
    [REPLAY_ID_HEADER, audit.replayId],
    // Where the line began on its topic, kept if the re-sent record fails again.
    [REPLAY_AT_HEADER, 'events:0:4'],
  ]);
  await admin.disconnect();
});
