import { randomUUID } from 'node:crypto';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import {
  DLQ_HEADERS,
  readToEnd,
  setHeader,
  type HeaderEntry,
  type IncomingRecord,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
  type TopicSpec,
} from '../messaging/index.ts';
import { deadLetterTopics, topicCatalogue } from '../topics/index.ts';
import {
  originOf,
  planReplay,
  readReplayHistory,
  lineAt,
  REPLAY_AT_HEADER,
  REPLAY_HEADER,
  REPLAY_ID_HEADER,
  topicOfId,
} from './replay-plan.ts';
import { auditRecords, type ReplayAudit } from './replay-audit.ts';

/**
 * What the dead-letter tools of one pipeline act on. Several pipelines share a cluster (cities,
 * test runs), so the tools never look beyond the topics the config's catalogue names.
 */
export interface DeadLetterScope {
  readonly deadLetterTopics: readonly string[];
  /** The replay audit topic (`topics.dlqReplays`), as the catalogue provisions it. */
  readonly audit: TopicSpec;
  /** One per pipeline, so that concurrent replays of it fence each other (see replayDeadLetters). */
  readonly transactionalId: string;
}

export function deadLetterScope(config: Pick<CloseloopConfig, 'topics' | 'processor'>): DeadLetterScope {
  const audit = topicCatalogue(config).find((e) => e.role === 'audit')?.spec ?? { topic: config.topics.dlqReplays };
  return {
    deadLetterTopics: deadLetterTopics(config),
    audit,
    transactionalId: `${config.processor.groupId}-dlq-replay`,
  };
}

export interface DeadLetter {
  /** Where the dead letter itself sits: `<dlq topic>:<partition>:<offset>`. */
  readonly id: string;
  readonly dlqTopic: string;
  /** The key as text, to show and filter by. */
  readonly key: string | null;
  /** The key's own bytes, re-sent as they are: a foreign key need not be UTF-8. */
  readonly keyBytes: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  /** All of them as written, when a name repeats or a value is null (IncomingRecord.headerList). */
  readonly headerList?: readonly HeaderEntry[] | undefined;
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: bigint;
  readonly code: string;
  readonly stage: string;
  readonly connector: string;
  readonly message: string;
  readonly time: string;
  /** Only records that were read from a topic can go back to it (a source's rejects cannot). */
  readonly replayable: boolean;
  /** The value's length when it was too large to keep in the dead letter; null when kept. */
  readonly valueDropped: number | null;
  /** Its topic's id when read: which incarnation of the topic its id names (see HistoryEntry). */
  readonly topicId?: string | undefined;
}

export interface DeadLetterFilter {
  readonly topic?: string;
  readonly code?: string;
  readonly ticket?: string;
  /** ISO instants (parseSinceUntil checks them); a dead letter's time is when it was written. */
  readonly since?: string;
  readonly until?: string;
}

const header = (r: IncomingRecord, name: string) => r.headers[name]?.toString('utf8') ?? '';

function toDeadLetter(r: IncomingRecord, topicId: string | undefined): DeadLetter {
  return {
    topicId,
    id: `${r.topic}:${r.partition}:${r.offset}`,
    dlqTopic: r.topic,
    key: r.key?.toString('utf8') ?? null,
    keyBytes: r.key,
    value: r.value,
    headers: r.headers,
    headerList: r.headerList,
    originalTopic: header(r, DLQ_HEADERS.topic) || r.topic.replace(/\.dlq$/, ''),
    originalPartition: Number(header(r, DLQ_HEADERS.partition) || '-1'),
    originalOffset: BigInt(header(r, DLQ_HEADERS.offset) || '-1'),
    code: header(r, DLQ_HEADERS.code),
    stage: header(r, DLQ_HEADERS.stage),
    connector: header(r, DLQ_HEADERS.connector),
    message: header(r, DLQ_HEADERS.message),
    time: header(r, DLQ_HEADERS.time),
    replayable: header(r, DLQ_HEADERS.topic) !== '',
    valueDropped: header(r, DLQ_HEADERS.valueDropped) === '' ? null : Number(header(r, DLQ_HEADERS.valueDropped)),
  };
}

/** Pure and total: runs inside a consumer's handler, where a throw would stop the read. */
export function matches(d: DeadLetter, f: DeadLetterFilter): boolean {
  const time = Date.parse(d.time);
  return (
    (f.topic === undefined || d.originalTopic === f.topic || d.dlqTopic === f.topic) &&
    (f.code === undefined || d.code === f.code) &&
    (f.ticket === undefined || d.key === f.ticket) &&
    (f.since === undefined || time >= Date.parse(f.since)) &&
    (f.until === undefined || time < Date.parse(f.until))
  );
}

/** The id of each of the topics that exists, by name, in the order given. */
async function topicIdsOf(admin: MessagingAdmin, topics: readonly string[]): Promise<Record<string, string>> {
  const existing = new Set(await admin.listTopics());
  const ids: Record<string, string> = {};
  for (const topic of topics.filter((t) => existing.has(t))) ids[topic] = await admin.topicId(topic);
  return ids;
}

/**
 * The given dead-letter topics (a pipeline's: `deadLetterScope(config).deadLetterTopics`), each
 * read to its end and filtered. A topic that does not exist yet holds no dead letters.
 */
export async function listDeadLetters(
  messaging: Messaging,
  admin: MessagingAdmin,
  filter: DeadLetterFilter,
  topics: readonly string[],
): Promise<DeadLetter[]> {
  const ids = await topicIdsOf(admin, topics);
  const found: DeadLetter[] = [];
  for (const [topic, topicId] of Object.entries(ids)) {
    await readToEnd(messaging, admin, topic, 'all', (r) => {
      const d = toDeadLetter(r, topicId);
      if (matches(d, filter)) found.push(d);
    });
  }
  return found;
}

/**
 * The record as it was read at first: its own headers, without the dead letter's, marked replayed
 * (from which line, by which replay).
 */
function resent(d: DeadLetter, replayId: string): OutgoingRecord {
  const own = (name: string) =>
    !name.startsWith('closeloop.dlq.') &&
    name !== REPLAY_HEADER &&
    name !== REPLAY_ID_HEADER &&
    name !== REPLAY_AT_HEADER;
  const headers: Record<string, Buffer> = {};
  const replayed = {
    [REPLAY_HEADER]: Buffer.from(originOf(d)),
    [REPLAY_ID_HEADER]: Buffer.from(replayId),
    [REPLAY_AT_HEADER]: Buffer.from(lineAt(d)),
  };
  if (d.headerList) {
    const headerList = d.headerList.filter(([k]) => own(k));
    return { key: d.keyBytes, value: d.value, headerList, headers: replayed };
  }
  for (const [k, v] of Object.entries(d.headers)) if (v && own(k)) setHeader(headers, k, v);
  return { key: d.keyBytes, value: d.value, headers: { ...headers, ...replayed } };
}

/** What an operator is told when another replay of the pipeline claimed the id mid-way. */
function overtaken(transactionalId: string, cause: unknown): CloseloopError {
  return new CloseloopError(
    'CL_KAFKA_FENCED',
    `replaying dead letters: another replay under transactional id ${transactionalId} began while this one ran and took the id; ` +
      'this one re-sent nothing and recorded nothing (its transaction was aborted). Run it again to re-send what the other left.',
    { cause },
  );
}

/**
 * Re-injects matching dead letters into the topics they came from, in their original order, with
 * their original key, value and headers (plus where they were replayed from), and records who
 * replayed what. A line is re-sent once, even across replays; with `again`, a line that failed
 * again after its replay once more (see planReplay). The others matching are reported as skipped,
 * with the reason. The re-sends and the audit's records are one Kafka transaction: readers see all
 * of them or none, and a replay that fails half-way leaves nothing behind to tell apart.
 */
export async function replayDeadLetters(
  messaging: Messaging,
  admin: MessagingAdmin,
  filter: DeadLetterFilter,
  by: string,
  scope: DeadLetterScope,
  options: { now?: () => Date; again?: boolean; reason?: string | null } = {},
): Promise<ReplayAudit> {
  const auditTopic = scope.audit.topic;
  await admin.ensureTopics([scope.audit]);
  const producer = messaging.transactionalProducer(scope.transactionalId);
  await producer.connect();
  try {
    // Two replays of one pipeline must not both re-send a dead letter. They share one
    // transactional id, so claiming it here aborts the open transaction of any replay still
    // running, and waits for one that is committing to finish. The audit read below therefore
    // sees every replay that will ever commit before this one, and none that began earlier can
    // commit afterwards: its commit fails as fenced and its re-sends are aborted with it.
    await producer.fence();
    const history = await readReplayHistory(messaging, admin, auditTopic);
    const matching = await listDeadLetters(messaging, admin, filter, scope.deadLetterTopics);
    const again = options.again === true;
    const { todo, skipped } = planReplay(matching, history, { again });
    const audit: ReplayAudit = {
      replayId: randomUUID(),
      by,
      at: (options.now?.() ?? new Date()).toISOString(),
      filter,
      again,
      reason: options.reason ?? null,
      deadLetters: todo.map((d) => d.id),
      origins: todo.map(originOf),
      skipped,
      // Every topic its entries name, the origins' too (a line's first dead letter may be on a
      // topic the filter matched nothing of): an entry without one is judged by sameIncarnation.
      topicIds: await topicIdsOf(admin, [
        ...new Set([
          ...scope.deadLetterTopics,
          ...matching.map((d) => d.dlqTopic),
          ...todo.map((d) => topicOfId(originOf(d))),
        ]),
      ]),
    };
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const d of todo)
      byTopic.set(d.originalTopic, [...(byTopic.get(d.originalTopic) ?? []), resent(d, audit.replayId)]);
    const tx = await producer.begin();
    try {
      for (const [topic, records] of byTopic) await tx.send(topic, records);
      // In parts: one record would outgrow message.max.bytes past some thousand dead letters.
      await tx.send(auditTopic, auditRecords(audit));
      await tx.commit();
    } catch (err) {
      // A fenced producer cannot abort; the broker has aborted its transaction already.
      await tx.abort().catch(() => undefined);
      if (isCloseloopError(err, 'CL_KAFKA_FENCED')) throw overtaken(scope.transactionalId, err);
      throw err;
    }
    return audit;
  } finally {
    await producer.disconnect();
  }
}
