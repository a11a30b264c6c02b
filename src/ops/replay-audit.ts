import type { OutgoingRecord } from '../messaging/index.ts';
import type { DeadLetterFilter } from './dead-letters.ts';

export interface Skipped {
  readonly id: string;
  readonly reason: string;
}

export interface ReplayAudit {
  readonly replayId: string;
  readonly by: string;
  readonly at: string;
  readonly filter: DeadLetterFilter;
  /** Whether lines that failed again after a replay were re-sent once more (`--again`). */
  readonly again: boolean;
  /** Why, as the operator gave it (required with `--again`); null when none was given. */
  readonly reason: string | null;
  /** The dead letters re-sent, in the order they were. */
  readonly deadLetters: readonly string[];
  /** For each of those, the dead letter it descends from (itself unless it came from a replay). */
  readonly origins: readonly string[];
  /** Matching dead letters not re-sent, with the reason. */
  readonly skipped: readonly Skipped[];
  /**
   * The id of each dead-letter topic the replay read (MessagingAdmin.topicId), which a topic
   * created again does not keep: the ids above name dead letters of these incarnations only.
   * Absent in audits written before.
   */
  readonly topicIds?: Readonly<Record<string, string>> | undefined;
}

/**
 * One record of a replay's audit: its facts, and a slice of its lists. A replay of many thousand
 * dead letters lists more than one Kafka message may hold (message.max.bytes, 1 MiB by default),
 * so its audit is written as parts, keyed `<replayId>:<part>`, all in the replay's transaction.
 * Records written before parts existed are a whole audit, keyed by the replay id alone.
 */
export interface ReplayAuditPart extends ReplayAudit {
  /** From 0; a reader puts a replay's parts together in this order. */
  readonly part: number;
  readonly parts: number;
}

/**
 * What the lists of one part may take, as JSON: well below the broker's message.max.bytes and
 * the adapters' send runs (MAX_SEND_BYTES), whatever the facts beside them add.
 */
export const AUDIT_PART_LIST_BYTES = 256 * 1024;

type Entry =
  | { readonly kind: 'resent'; readonly id: string; readonly origin: string }
  | { readonly kind: 'skipped'; readonly skipped: Skipped };

/** Bytes an entry adds to a part's JSON, near enough: its strings, quotes and commas. */
function entryBytes(e: Entry): number {
  const strings = e.kind === 'resent' ? [e.id, e.origin] : [e.skipped.id, e.skipped.reason];
  // The JSON of `{"id":…,"reason":…}` with its escapes; 40 covers the keys, quotes and commas.
  return strings.reduce((n, s) => n + Buffer.byteLength(JSON.stringify(s)), 40);
}

/** The audit as the records that keep it, in the order they must be sent. */
export function auditRecords(audit: ReplayAudit, listBytes = AUDIT_PART_LIST_BYTES): OutgoingRecord[] {
  const entries: Entry[] = [
    ...audit.deadLetters.map((id, i): Entry => ({ kind: 'resent', id, origin: audit.origins[i] ?? id })),
    ...audit.skipped.map((skipped): Entry => ({ kind: 'skipped', skipped })),
  ];
  const slices: Entry[][] = [[]];
  let bytes = 0;
  for (const e of entries) {
    const n = entryBytes(e);
    const current = slices[slices.length - 1] ?? [];
    if (current.length > 0 && bytes + n > listBytes) {
      slices.push([e]);
      bytes = n;
    } else {
      current.push(e);
      bytes += n;
    }
  }
  return slices.map((slice, part) => {
    const resent = slice.flatMap((e) => (e.kind === 'resent' ? [e] : []));
    const value: ReplayAuditPart = {
      ...audit,
      part,
      parts: slices.length,
      deadLetters: resent.map((e) => e.id),
      origins: resent.map((e) => e.origin),
      skipped: slice.flatMap((e) => (e.kind === 'skipped' ? [e.skipped] : [])),
    };
    return { key: `${audit.replayId}:${part}`, value: Buffer.from(JSON.stringify(value)) };
  });
}

/**
 * The audits the records of the audit topic make, in commit order: a replay's parts put together
 * in part order (they are committed in one transaction, so a reader sees all of them or none),
 * and a record written before parts existed taken as it is.
 */
export function mergeAuditParts(records: Iterable<Partial<ReplayAuditPart>>): Partial<ReplayAudit>[] {
  const byReplay = new Map<string, Partial<ReplayAuditPart>[]>();
  const order: Partial<ReplayAuditPart>[][] = [];
  for (const r of records) {
    const parts = typeof r.part === 'number' && r.replayId !== undefined ? byReplay.get(r.replayId) : undefined;
    if (parts) parts.push(r);
    else {
      const first = [r];
      if (typeof r.part === 'number' && r.replayId !== undefined) byReplay.set(r.replayId, first);
      order.push(first);
    }
  }
  return order.map((o) => {
    const parts = [...o].sort((a, b) => (a.part ?? 0) - (b.part ?? 0));
    const { part: _part, parts: _parts, ...facts } = parts[0] ?? {};
    return {
      ...facts,
      deadLetters: parts.flatMap((p) => p.deadLetters ?? []),
      origins: parts.flatMap((p) => p.origins ?? []),
      skipped: parts.flatMap((p) => p.skipped ?? []),
    };
  });
}
