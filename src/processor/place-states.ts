import type { CloseloopConfig } from '../config/index.ts';
import {
  carriedHeaders,
  partitionFor,
  readToEnd,
  type HeaderEntry,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
  type TransactionalProducer,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';

export interface PlaceContext {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly admin: MessagingAdmin;
  readonly log: Logger;
}

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
  if ((await survey(c)).strays.size === 0) return none;
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
    const { records, moved, superseded, from } = placements(await survey(c), partitions);
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

/** Reads the changelog to its end: which tickets have a state at home, and which elsewhere. */
async function survey(c: PlaceContext): Promise<Survey> {
  const { partitions } = c.config.processor;
  const home = new Set<string>();
  const strays = new Map<string, Map<number, Stray>>();
  await readToEnd(c.messaging, c.admin, c.config.topics.state, 'all', (r) => {
    if (r.key === null) return;
    const id = r.key.toString('hex');
    if (partitionFor(r.key, partitions) === r.partition) {
      if (r.value === null) home.delete(id);
      else home.add(id);
      return;
    }
    const copies = strays.get(id) ?? new Map<number, Stray>();
    strays.set(id, copies);
    if (r.value === null) copies.delete(r.partition);
    // Copied: a slice would keep the client's whole fetch response in memory.
    else copies.set(r.partition, stray(r.key, r.value, Number(r.timestamp), carriedHeaders(r)));
    if (copies.size === 0) strays.delete(id);
  });
  return { home, strays };
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
      records.push({ key: s.key, value: null, partition });
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
