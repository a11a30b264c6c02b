import type { CloseloopConfig } from '../config/index.ts';
import {
  carriedHeaders,
  partitionFor,
  readToEnd,
  recordAtFault,
  type HeaderEntry,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
  type TransactionalProducer,
} from '../messaging/index.ts';
import type { AvroSerde } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { RECORD_NAMES } from '../topics/index.ts';
import { neverForgotten } from './changelog-guard.ts';
import { stateFromRecord } from './codec.ts';

export interface PlaceContext {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly admin: MessagingAdmin;
  readonly serde: AvroSerde;
  readonly log: Logger;
  /** Where a tombstone passed over is counted, as the restore counts its own. */
  readonly metrics?: Metrics | undefined;
}

/**
 * The header on the tombstones a move leaves behind: a tombstone without it, after a stray copy
 * of a ticket the processor never forgets, came from something else (see survey).
 */
export const MOVED_HEADER = 'closeloop-moved';

/** What a start moved: tickets whose state went to its key's partition, and older copies dropped. */
export interface PlacedStates {
  readonly moved: number;
  /** Copies left behind by an earlier count, of tickets whose state on their own partition is kept. */
  readonly superseded: number;
}

/** A ticket's latest state on a partition that is not its key's. */
interface Stray {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly headers: Record<string, string | Buffer>;
  readonly headerList?: readonly HeaderEntry[];
}

interface Survey {
  /** Tickets (by key bytes, hex) with a state on their own partition. */
  readonly home: Set<string>;
  /** Per ticket, its states on other partitions, by partition. */
  readonly strays: Map<string, Map<number, Stray>>;
}

/**
 * The start-up step that keeps ticket states where their events go when processor.partitions
 * changed. Task p restores the states on changelog partition p and decides the records on input
 * partition p, and both follow partitionFor(ticket id, processor.partitions): after the topics
 * grew and the count was raised, the states stay where the old count put them, in tasks that
 * never see their tickets' events, which would each be quarantined UNKNOWN_TICKET.
 *
 * So before the processor joins its group, every state found on another partition than its
 * key's is written to its key's partition and tombstoned where it was, in one transaction: all
 * move or none does (a failed start moves them at the next). The changelog is compacted by key
 * within each partition, so the tombstone on the old partition and the state on the new one both
 * stay right. A copy whose ticket already has a state on its own partition (decided there since)
 * is only tombstoned; of copies on several old partitions, the latest written moves.
 *
 * It runs only while the processor's group has no member: a running member's tasks own states
 * this must not move under them (and while the count is wrong it holds, partition-watch.ts).
 * States left misplaced are then caught by the restore (restore.ts), which fails, loudly, until a
 * start with the group empty has moved them. It reads the whole changelog, once per start of a
 * process whose group is empty; states already in place are read and left.
 */
export async function placeStates(c: PlaceContext): Promise<PlacedStates> {
  const { config, messaging, admin, log } = c;
  const { groupId, partitions } = config.processor;
  const none = { moved: 0, superseded: 0 };
  if ((await admin.groupMembers(groupId)) > 0) return none;
  const started = Date.now();
  if ((await survey(c, false)).strays.size === 0) return none;
  // Claimed first: a producer of an earlier owner (or another process placing states at the
  // same time) can then commit nothing more, and the changelog read next is complete.
  const placing = messaging.transactionalProducer(`${groupId}-place-states`);
  const tasks = Array.from({ length: partitions }, (_, p) => messaging.transactionalProducer(`${groupId}-task-${p}`));
  const producers: TransactionalProducer[] = [placing, ...tasks];
  try {
    for (const producer of producers) {
      await producer.connect();
      await producer.fence();
    }
    const { records, moved, superseded, from } = placements(await survey(c, true), partitions);
    if (records.length === 0) return none;
    const tx = await placing.begin();
    try {
      await tx.sendMany(new Map([[config.topics.state, records]]));
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    log.info(
      { moved, superseded, partitions, from, ms: Date.now() - started },
      'ticket states moved to their partition for processor.partitions',
    );
    if (superseded > 0)
      log.warn(
        { superseded },
        'older copies of ticket states left on another partition were dropped: their tickets have a state on their own',
      );
    return { moved, superseded };
  } finally {
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  }
}

/**
 * Reads the changelog to its end: which tickets have a state at home, and which elsewhere.
 *
 * A tombstone after a stray copy ends it, unless it is a foreign one: the restore does not guard
 * states away from their key's partition (a move tombstones them there), so a tool's tombstone
 * for an open ticket, written before the count changed, would drop the ticket with no trace. A
 * tombstone without the move's header, after a copy of a state the processor never forgets, of
 * a ticket that has no record at home (a move written before the header leaves its state there),
 * is passed over: logged as an error, counted in closeloop_state_tombstones_refused_total (when
 * `report`), and the copy moves home.
 */
async function survey(c: PlaceContext, report: boolean): Promise<Survey> {
  const { partitions } = c.config.processor;
  const home = new Set<string>();
  const homeSeen = new Set<string>();
  const strays = new Map<string, Map<number, Stray>>();
  // Copies a foreign-looking tombstone ended, decoded only at the end and only if needed.
  const ended = new Map<string, Map<number, Stray>>();
  await readToEnd(c.messaging, c.admin, c.config.topics.state, 'all', (r) => {
    if (r.key === null) return;
    const id = r.key.toString('hex');
    if (partitionFor(r.key, partitions) === r.partition) {
      homeSeen.add(id);
      if (r.value === null) home.delete(id);
      else home.add(id);
      return;
    }
    const copies = strays.get(id) ?? new Map<number, Stray>();
    strays.set(id, copies);
    const before = copies.get(r.partition);
    if (r.value === null) {
      copies.delete(r.partition);
      if (before && r.headers[MOVED_HEADER] === undefined) {
        const byPartition = ended.get(id) ?? new Map<number, Stray>();
        ended.set(id, byPartition.set(r.partition, before));
      }
    } else {
      // Copied: a slice would keep the client's whole fetch response in memory.
      copies.set(r.partition, stray(r.key, r.value, Number(r.timestamp), carriedHeaders(r)));
      ended.get(id)?.delete(r.partition);
    }
    if (copies.size === 0) strays.delete(id);
  });
  for (const [id, byPartition] of ended) {
    if (homeSeen.has(id)) continue;
    for (const [partition, copy] of byPartition) {
      if (!(await keptAgainstTombstone(c, copy, partition, report))) continue;
      const copies = strays.get(id) ?? new Map<number, Stray>();
      strays.set(id, copies.set(partition, copy));
    }
  }
  return { home, strays };
}

/** Whether a stray copy a foreign tombstone ended is of a state the processor never forgets. */
async function keptAgainstTombstone(c: PlaceContext, copy: Stray, partition: number, report: boolean) {
  let state;
  try {
    state = stateFromRecord((await c.serde.decodeAs<Record<string, unknown>>(copy.value, RECORD_NAMES.state)).value);
  } catch (err) {
    // Unreadable, it is no state to keep; the registry's own trouble fails the start instead.
    if (recordAtFault(err)) return false;
    throw err;
  }
  if (!neverForgotten(state)) return false;
  if (report) {
    c.metrics?.stateTombstonesRefused.inc();
    c.log.error(
      { topic: c.config.topics.state, partition, ticketId: state.ticketId, state: state.state },
      "changelog tombstone for a ticket the processor does not forget (open, or something pending), on a partition not its own; passed over, the ticket's state moves to its partition",
    );
  }
  return true;
}

function stray(key: Buffer, value: Buffer, timestamp: number, h: ReturnType<typeof carriedHeaders>): Stray {
  return { key: Buffer.from(key), value: Buffer.from(value), timestamp, ...h };
}

/** The records that put each stray state at home and tombstone it where it was. */
function placements(found: Survey, partitions: number) {
  const records: OutgoingRecord[] = [];
  const from: Record<number, number> = {};
  let moved = 0;
  let superseded = 0;
  for (const [id, copies] of found.strays) {
    let latest: Stray | null = null;
    for (const [partition, s] of copies) {
      records.push({
        key: s.key,
        value: null,
        partition,
        headers: { [MOVED_HEADER]: String(partitionFor(s.key, partitions)) },
      });
      from[partition] = (from[partition] ?? 0) + 1;
      if (!latest || s.timestamp > latest.timestamp) latest = s;
    }
    if (!latest) continue;
    if (found.home.has(id)) {
      superseded += copies.size;
      continue;
    }
    superseded += copies.size - 1;
    const { key, value, headers, headerList } = latest;
    records.push({
      key,
      value,
      headers,
      ...(headerList ? { headerList } : {}),
      partition: partitionFor(key, partitions),
    });
    moved += 1;
  }
  return { records, moved, superseded, from };
}
