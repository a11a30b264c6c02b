import { readToEnd, type Messaging, type MessagingAdmin, type TransactionalProducer } from '../messaging/index.ts';
import { writeBatch } from './source-publish.ts';

/**
 * Where a source's cursor is kept: one record per source on a compacted topic, keyed
 * `<connector>:<jurisdiction>`, written only in the transaction that publishes what it is past.
 * The source runner and `closeloop source cursor` both go through here, so they name the same
 * record and the same transactional id.
 */
export const CURSOR_TOPIC = 'closeloop.connector-cursors';

/**
 * The transactional id that guards a cursor record is the record itself, its topic and key: two
 * writers of one cursor must fence each other, and writers of different ones never may. Kafka's
 * transactional ids are cluster-wide, so an id of the connector and jurisdiction alone was shared
 * by every installation on a cluster (a staging and a production bridge, say), each fencing the
 * other's source on every start and reclaim.
 */
export function sourceTransactionalId(cursorTopic: string, cursorKey: string): string {
  return `${cursorTopic}/${cursorKey}`;
}

export function ensureCursorTopic(admin: MessagingAdmin, cursorTopic: string): Promise<void> {
  return admin.ensureTopics([{ topic: cursorTopic, config: { 'cleanup.policy': 'compact' } }]);
}

/**
 * The cursor record's header holding when the source last published records (epoch ms; empty when
 * none is known). Silence is measured from it, so a restart or another worker taking the source
 * over does not count its own start as a record. A cursor that moved past left-out changes only
 * carries the time on; one written before the header existed is read by its record's timestamp.
 */
export const LAST_RECORD_HEADER = 'closeloop.cursor.last-record-at';

/** When the cursor record says records were last published (see LAST_RECORD_HEADER); null when none is known. */
function lastRecordOf(header: Buffer | undefined, timestamp: string): number | null {
  if (header === undefined) return Number(timestamp) || null;
  const at = Number(header.toString('utf8'));
  return header.length > 0 && Number.isFinite(at) && at > 0 ? at : null;
}

/** The source's stored cursor (null: none yet) and when records were last published with it. */
export async function readSourceCursor(
  messaging: Messaging,
  admin: MessagingAdmin,
  topic: string,
  key: string,
): Promise<{ cursor: string | null; publishedAt: number | null }> {
  let cursor: string | null = null;
  let publishedAt: number | null = null;
  await readToEnd(messaging, admin, topic, 'all', (r) => {
    if (r.key?.toString() !== key) return;
    cursor = r.value === null ? null : r.value.toString('utf8');
    publishedAt = lastRecordOf(r.headers[LAST_RECORD_HEADER], r.timestamp);
  });
  return { cursor, publishedAt };
}

/**
 * Writes `cursor` as the stored one, alone in a transaction of `producer` (which holds the id),
 * carrying on when records were last published (null: none known): moving a cursor publishes none.
 */
export function writeSourceCursor(
  producer: TransactionalProducer,
  cursorTopic: string,
  cursorKey: string,
  cursor: string,
  publishedAt: number | null,
): Promise<void> {
  return writeBatch(
    producer,
    cursorTopic,
    { records: [], dead: [] },
    { topic: cursorTopic, key: cursorKey, value: cursor, headers: lastRecordHeaders(publishedAt) },
  );
}

/** The cursor record's headers saying when records were last published. */
export function lastRecordHeaders(publishedAt: number | null): Record<string, string> {
  return { [LAST_RECORD_HEADER]: publishedAt === null ? '' : String(publishedAt) };
}

/**
 * Moves a source's stored cursor, for an operator (`closeloop source cursor --set`): after a
 * system's feed went back (CL_SOURCE_CURSOR_BEHIND), or to read a stretch of it again. It takes
 * the source's transactional id first, so a worker running the source is fenced: its publish
 * still out fails rather than writing its cursor over this one, and it stands aside and then
 * reads this cursor when it claims the id back (see SourceRunner). Whether a worker runs it
 * cannot be asked of Kafka, so the move is made safe whatever runs, rather than refused. Returns
 * the cursor it replaced.
 */
export async function moveSourceCursor(
  messaging: Messaging,
  cursorTopic: string,
  cursorKey: string,
  cursor: string,
): Promise<{ readonly was: string | null }> {
  const was = await claimSourceCursor(messaging, cursorTopic, cursorKey);
  try {
    await writeSourceCursor(was.producer, cursorTopic, cursorKey, cursor, was.publishedAt);
    return { was: was.cursor };
  } finally {
    await was.producer.disconnect().catch(() => undefined);
  }
}

/**
 * Takes the cursor record's transactional id, so that whoever held it can commit no more, and
 * then reads the stored cursor, which is therefore the last any holder wrote. The producer
 * returned holds the id; when the claim fails it is disconnected.
 */
export async function claimSourceCursor(
  messaging: Messaging,
  cursorTopic: string,
  cursorKey: string,
): Promise<{ producer: TransactionalProducer; cursor: string | null; publishedAt: number | null }> {
  const admin = messaging.admin();
  await admin.connect();
  const producer = messaging.transactionalProducer(sourceTransactionalId(cursorTopic, cursorKey));
  try {
    await ensureCursorTopic(admin, cursorTopic);
    await producer.connect();
    await producer.fence();
    return { producer, ...(await readSourceCursor(messaging, admin, cursorTopic, cursorKey)) };
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    throw err;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
