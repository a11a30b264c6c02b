import { readToEnd, type Messaging, type MessagingAdmin } from '../messaging/index.ts';
import type { DeadLetter } from './dead-letters.ts';
import { mergeAuditParts, type ReplayAudit, type ReplayAuditPart, type Skipped } from './replay-audit.ts';

export const REPLAY_HEADER = 'closeloop.replay.of';
/** The replay that re-sent the record: tells a line's latest failure from an older one. */
export const REPLAY_ID_HEADER = 'closeloop.replay.id';
/**
 * Where the line's first record stood on its topic (`<topic>:<partition>:<offset>`): a line that
 * fails again goes back at that place whichever of its dead letters a filter matches.
 */
export const REPLAY_AT_HEADER = 'closeloop.replay.at';

/** Where a dead letter's line began on its topic: its REPLAY_AT_HEADER, else its own record. */
export function lineAt(d: DeadLetter): string {
  return (
    d.headers[REPLAY_AT_HEADER]?.toString('utf8') || `${d.originalTopic}:${d.originalPartition}:${d.originalOffset}`
  );
}

/** A position `<topic>:<partition>:<offset>` as the fields a dead letter sorts by. */
function positionOf(at: string): Pick<DeadLetter, 'originalTopic' | 'originalPartition' | 'originalOffset'> | null {
  const m = /^(.*):(\d+):(\d+)$/.exec(at);
  if (!m) return null;
  return { originalTopic: m[1] ?? '', originalPartition: Number(m[2]), originalOffset: BigInt(m[3] ?? '0') };
}

/**
 * A re-sent record that fails again is dead-lettered anew, under a new id but with the headers
 * it was re-sent with, `closeloop.replay.of` among them. That header names the dead letter the
 * line began with, so every later dead letter of the line counts as that one: a plain replay
 * re-sends the line once however often it fails, and `--again` once more per failure.
 */
export function originOf(d: DeadLetter): string {
  return d.headers[REPLAY_HEADER]?.toString('utf8') || d.id;
}

/**
 * A replay's word about a dead letter or a line, and which incarnation of the dead letter's topic
 * it meant. A dead-letter topic deleted and created again starts its offsets at 0, so its new dead
 * letters take ids an earlier replay named, while the audit is kept for good.
 */
export interface HistoryEntry {
  readonly replayId: string;
  /** The topic's id when the replay read it; absent in audits written before replays kept it. */
  readonly topicId: string | undefined;
  /** When the replay ran (the operator's clock): see sameIncarnation. */
  readonly at: string | undefined;
  /** The audit's place in the audit topic, its commit order. */
  readonly seq: number;
}

/** What the committed replays of a pipeline re-sent, read from its audit topic. */
export interface ReplayHistory {
  /** Each dead letter a replay re-sent, with that replay, oldest first. */
  readonly resent: ReadonlyMap<string, readonly HistoryEntry[]>;
  /** Each line (by its origin) with the replays that re-sent it, oldest first. */
  readonly lines: ReadonlyMap<string, readonly HistoryEntry[]>;
  /** Each dead-letter topic's ids as the audits recorded them, with the audit's place. */
  readonly topicIds: ReadonlyMap<string, readonly { readonly seq: number; readonly topicId: string }[]>;
}

/** The dead-letter topic a dead letter's id (`<dlq topic>:<partition>:<offset>`) names. */
export const topicOfId = (id: string) => id.replace(/:\d+:\d+$/, '');

/** The history the given audit records make, oldest first. */
export function replayHistoryOf(
  audits: Iterable<Pick<Partial<ReplayAudit>, 'replayId' | 'deadLetters' | 'origins' | 'at' | 'topicIds'>>,
): ReplayHistory {
  const resent = new Map<string, HistoryEntry[]>();
  const lines = new Map<string, HistoryEntry[]>();
  const topicIds = new Map<string, { seq: number; topicId: string }[]>();
  let seq = 0;
  for (const audit of audits) {
    seq += 1;
    const replayId = audit.replayId ?? '?';
    const at = audit.at;
    const entry = (id: string): HistoryEntry => ({ replayId, topicId: audit.topicIds?.[topicOfId(id)], at, seq });
    for (const [topic, topicId] of Object.entries(audit.topicIds ?? {}))
      topicIds.set(topic, [...(topicIds.get(topic) ?? []), { seq, topicId }]);
    for (const id of audit.deadLetters ?? []) resent.set(id, [...(resent.get(id) ?? []), entry(id)]);
    for (const origin of new Set(audit.origins ?? [])) lines.set(origin, [...(lines.get(origin) ?? []), entry(origin)]);
  }
  return { resent, lines, topicIds };
}

/**
 * How much later than a replay's `at` a dead letter must be written to be taken as not one the
 * replay re-sent: the dead letter's time is a worker's clock, `at` the operator's machine's, and
 * taking a skewed clock for a new incarnation would send the record a second time.
 */
const CLOCK_MARGIN_MS = 10 * 60_000;

/**
 * Whether an entry speaks of this dead letter, not of another that held its id on an earlier
 * incarnation of its topic: the same topic id. Where the audit kept none (written before replays
 * kept them), it does unless something shows another incarnation: a replay as late or later
 * that recorded another id for the topic (the topic was created again after it), or the dead
 * letter written well after the replay ran (CLOCK_MARGIN_MS).
 */
function sameIncarnation(e: HistoryEntry, d: DeadLetter, history: ReplayHistory): boolean {
  if (e.topicId !== undefined && d.topicId !== undefined) return e.topicId === d.topicId;
  const later = (history.topicIds.get(d.dlqTopic) ?? []).filter((s) => s.seq >= e.seq);
  if (d.topicId !== undefined && later.some((s) => s.topicId !== d.topicId)) return false;
  const written = Date.parse(d.time);
  const replayed = Date.parse(e.at ?? '');
  return Number.isNaN(written) || Number.isNaN(replayed) || written <= replayed + CLOCK_MARGIN_MS;
}

/**
 * The replays of a dead letter's line, oldest first. For a dead letter a re-send wrote, those of
 * the incarnation the replay that re-sent it read (entries kept without a topic id count for any).
 */
function lineReplays(d: DeadLetter, origin: string, history: ReplayHistory): readonly HistoryEntry[] {
  const all = history.lines.get(origin) ?? [];
  if (d.id === origin) return all.filter((e) => sameIncarnation(e, d, history));
  const after = d.headers[REPLAY_ID_HEADER]?.toString('utf8');
  const topicId = all.find((e) => e.replayId === after)?.topicId;
  return topicId === undefined ? all : all.filter((e) => e.topicId === undefined || e.topicId === topicId);
}

/** The audit topic has one partition, so it is read in commit order, a replay's parts together. */
export async function readReplayHistory(
  messaging: Messaging,
  admin: MessagingAdmin,
  auditTopic: string,
): Promise<ReplayHistory> {
  const records: Partial<ReplayAuditPart>[] = [];
  if ((await admin.listTopics()).includes(auditTopic)) {
    await readToEnd(messaging, admin, auditTopic, 'all', (r) => {
      records.push(JSON.parse(r.value?.toString('utf8') ?? '{}') as Partial<ReplayAuditPart>);
    });
  }
  return replayHistoryOf(mergeAuditParts(records));
}

export type ReplayState =
  /** A replay re-sent this very dead letter (or, for the first of a line, the line). */
  | { readonly state: 'replayed'; readonly by: string }
  /** The line's latest replay re-sent it, and the re-sent record was dead-lettered again: this one. */
  | { readonly state: 'failed again'; readonly after: string }
  /** It failed after an earlier replay of its line, which a later replay re-sent again since. */
  | { readonly state: 'superseded'; readonly after: string; readonly by: string }
  | { readonly state: 'not replayed' };

export function replayState(d: DeadLetter, history: ReplayHistory): ReplayState {
  const origin = originOf(d);
  const replays = lineReplays(d, origin, history).map((e) => e.replayId);
  const own =
    (history.resent.get(d.id) ?? []).filter((e) => sameIncarnation(e, d, history)).at(-1)?.replayId ??
    (d.id === origin ? replays[0] : undefined);
  if (own !== undefined) return { state: 'replayed', by: own };
  const latest = replays[replays.length - 1];
  if (latest === undefined) return { state: 'not replayed' };
  // A dead letter written before re-sent records carried their replay's id came from the line's
  // first replay: a line could be re-sent only once then.
  const after = d.headers[REPLAY_ID_HEADER]?.toString('utf8') || (replays[0] ?? latest);
  return after === latest ? { state: 'failed again', after } : { state: 'superseded', after, by: latest };
}

type Placed = Pick<DeadLetter, 'originalTopic' | 'originalPartition' | 'originalOffset'>;
const inOriginalOrder = (a: Placed, b: Placed) =>
  a.originalTopic === b.originalTopic
    ? a.originalPartition - b.originalPartition || Number(a.originalOffset - b.originalOffset)
    : a.originalTopic.localeCompare(b.originalTopic);

/**
 * Which dead letters go back (in their original order, a line's later dead letters at its first's
 * place) and why the others do not. A line is
 * re-sent once, so that running the same replay twice (a double click, a broad filter run for
 * another cause) never sends a record twice nor ping-pongs a poison record through its stage.
 * With `again`, a dead letter written after its line was replayed (the re-sent record failed
 * again) goes back once more: it is a new failure, and its re-send has ended, so nothing of the
 * line is still on its way. A dead letter a replay re-sent itself never goes back: its line is
 * either delivered or dead-lettered again under a new id.
 */
export function planReplay(
  matching: readonly DeadLetter[],
  history: ReplayHistory,
  options: { readonly again?: boolean } = {},
): { todo: DeadLetter[]; skipped: Skipped[] } {
  const todo: DeadLetter[] = [];
  const skipped: Skipped[] = [];
  const taken = new Map<string, string>();
  // A dead letter written when a re-sent record failed again takes its line's place: the record
  // re-sent sits further on its topic than the records dead-lettered after its first failure,
  // and a ticket's statuses must go back in their first order (a CRM refuses a version gap).
  const byId = new Map(matching.map((d) => [d.id, d]));
  // Its REPLAY_AT_HEADER, whatever the filter matched; before re-sends carried it, the line's
  // first dead letter when the filter matched that too.
  const lineStart = (d: DeadLetter) =>
    (d.headers[REPLAY_AT_HEADER] ? positionOf(lineAt(d)) : null) ?? byId.get(originOf(d)) ?? d;
  const order = (a: DeadLetter, b: DeadLetter) => inOriginalOrder(lineStart(a), lineStart(b)) || inOriginalOrder(a, b);
  for (const d of [...matching].sort(order)) {
    const origin = originOf(d);
    const state = replayState(d, history);
    const twin = taken.get(origin);
    if (state.state === 'replayed') skipped.push({ id: d.id, reason: `already replayed by ${state.by}` });
    else if (state.state === 'superseded') {
      skipped.push({
        id: d.id,
        reason: `failed after replay ${state.after}; its line was re-sent since by ${state.by}`,
      });
    } else if (state.state === 'failed again' && options.again !== true) {
      skipped.push({
        id: d.id,
        reason: `failed again after replay ${state.after}; once the cause is fixed, re-send it with --again --reason TEXT`,
      });
    } else if (!d.replayable) skipped.push({ id: d.id, reason: `never was on a topic (${d.code})` });
    else if (d.valueDropped !== null) {
      // Re-sent without it, the record would be a tombstone; the original is where it was read.
      const at = `${d.originalTopic}:${d.originalPartition}:${d.originalOffset}`;
      skipped.push({
        id: d.id,
        reason: `its value (${d.valueDropped} bytes) was too large to keep; the original is at ${at}`,
      });
    } else if (twin !== undefined) skipped.push({ id: d.id, reason: `same origin as ${twin}, re-sent in this replay` });
    else {
      taken.set(origin, d.id);
      todo.push(d);
    }
  }
  return { todo, skipped };
}
