import { expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetter,
  deadLetterTopic,
  MAX_RECORD_BYTES,
  readToEnd,
  recordBytes,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import {
  auditRecords,
  readReplayHistory,
  replayDeadLetters,
  type DeadLetterScope,
  type ReplayAudit,
} from '../../../src/ops/index.ts';

const TOPIC = 'bridge.ticket-status.v1';
const DLQ = deadLetterTopic(TOPIC);
const AUDIT = 'closeloop.dlq-replays';
const scope: DeadLetterScope = {
  deadLetterTopics: [DLQ],
  audit: { topic: AUDIT, partitions: 1 },
  transactionalId: 'r',
};

async function withDeadLetters(n: number) {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, DLQ].map((topic) => ({ topic, partitions: 1 })));
  const error = new CloseloopError('CL_CONNECTOR_REJECTED', 'CRM answered 422: field "x" unknown');
  const failed = (i: number): IncomingRecord => ({
    topic: TOPIC,
    partition: 0,
    offset: String(i),
    key: Buffer.from(`SR-${100000 + i}`),
    value: Buffer.from('avro-bytes'),
    headers: {},
    timestamp: '0',
  });
  const letters = Array.from({ length: n }, (_, i) => deadLetter(failed(i), error, 'crm', Date.now()));
  for (let i = 0; i < letters.length; i += 2000) await messaging.producer().send(DLQ, letters.slice(i, i + 2000));
  return { messaging, admin };
}

// One audit record listing 20 000 re-sent ids and their origins outgrew the broker's
// message.max.bytes: the replay failed as CL_KAFKA_FATAL, and so did every later one whose
// skipped list (the same letters, already replayed) was as long.
it('audits a replay of many thousand dead letters in parts, and a later replay reads them back', async () => {
  const { messaging, admin } = await withDeadLetters(20_000);
  const filter = { code: 'CL_CONNECTOR_REJECTED' };
  const first = await replayDeadLetters(messaging, admin, filter, 'op@city', scope);
  expect(first.deadLetters).toHaveLength(20_000);

  const keys: string[] = [];
  await readToEnd(messaging, admin, AUDIT, 'all', (r) => void keys.push(r.key?.toString() ?? ''));
  expect(keys.length).toBeGreaterThan(1);
  expect(keys).toEqual(keys.map((_, n) => `${first.replayId}:${n}`));
  const history = await readReplayHistory(messaging, admin, AUDIT);
  expect(history.resent.size).toBe(20_000);

  const second = await replayDeadLetters(messaging, admin, filter, 'op@city', scope);
  expect([second.deadLetters.length, second.skipped.length]).toEqual([0, 20_000]);
  expect(new Set(second.skipped.map((s) => s.reason))).toEqual(new Set([`already replayed by ${first.replayId}`]));
  const third = await replayDeadLetters(messaging, admin, filter, 'op@city', scope);
  expect([third.deadLetters.length, third.skipped.length]).toEqual([0, 20_000]);
}, 60_000);

it('keeps each part of an audit below the largest record the broker takes, whatever its ids', () => {
  const long = (i: number) => `${'t'.repeat(200)}.dlq:${i % 64}:${1e12 + i}`;
  const audit: ReplayAudit = {
    replayId: 'r1',
    by: 'op@city',
    at: '2026-01-01T00:00:00.000Z',
    filter: {},
    again: false,
    reason: null,
    deadLetters: Array.from({ length: 9_000 }, (_, i) => long(i)),
    origins: Array.from({ length: 9_000 }, (_, i) => long(i + 1)),
    skipped: Array.from({ length: 9_000 }, (_, i) => ({ id: long(i), reason: `"quoted" ${'é'.repeat(100)}` })),
  };
  const records = auditRecords(audit);
  expect(records.length).toBeGreaterThan(1);
  for (const r of records) expect(recordBytes(r)).toBeLessThan(MAX_RECORD_BYTES / 2);
  const parts = records.map((r) => JSON.parse(r.value?.toString() ?? '{}') as ReplayAudit);
  expect(parts.flatMap((p) => p.deadLetters)).toEqual(audit.deadLetters);
  expect(parts.flatMap((p) => p.origins)).toEqual(audit.origins);
  expect(parts.flatMap((p) => p.skipped)).toEqual(audit.skipped);
});

// Audit topics are kept for good, so they hold records of the version before parts: one record
// per replay, keyed by its id. A dead letter such a replay re-sent is still not re-sent again.
it('reads an audit record written whole before audits came in parts', async () => {
  const { messaging, admin } = await withDeadLetters(3);
  await admin.ensureTopics([{ topic: AUDIT, partitions: 1 }]);
  const old: ReplayAudit = {
    replayId: 'r-old',
    by: 'op@city',
    at: new Date().toISOString(),
    filter: {},
    again: false,
    reason: null,
    deadLetters: [`${DLQ}:0:0`],
    origins: [`${DLQ}:0:0`],
    skipped: [],
  };
  await messaging.producer().send(AUDIT, [{ key: 'r-old', value: Buffer.from(JSON.stringify(old)) }]);
  const replay = await replayDeadLetters(messaging, admin, {}, 'op@city', scope);
  expect(replay.deadLetters).toEqual([`${DLQ}:0:1`, `${DLQ}:0:2`]);
  expect(replay.skipped).toEqual([{ id: `${DLQ}:0:0`, reason: 'already replayed by r-old' }]);
  const history = await readReplayHistory(messaging, admin, AUDIT);
  expect([...history.resent].map(([id, entries]) => [id, entries.map((e) => e.replayId).join()])).toEqual([
    [`${DLQ}:0:0`, 'r-old'],
    [`${DLQ}:0:1`, replay.replayId],
    [`${DLQ}:0:2`, replay.replayId],
  ]);
});
