import type { CloseloopConfig } from '../config/index.ts';
import { isExpired, type TicketState } from '../domain/index.ts';
import { CloseloopError } from '../errors/index.ts';
import type { AvroSerde, MessagingAdmin, OutgoingRecord } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { Outbox } from './outbox.ts';
import { emitStates } from './stages/emit.ts';
import type { Offsets, Task } from './task.ts';

// A changelog that is lost (its topic deleted, or deleted and created again by the next start's
// provisioning) reads as one holding no tickets: without these checks a restore or a re-read
// took that for the truth and the partition's every ticket was forgotten without a word.

/**
 * The key of the one record a task writes to a changelog partition that holds none, with the
 * first input offsets it commits without a ticket's state (input all forwarded, quarantined or
 * dead-lettered). A tombstone, which a restore forgets as it forgets everything a tombstone names,
 * and compaction drops; what stays is the partition's end above 0. So a partition that ends at 0
 * under a group that has read its input was lost (see refusedPartitions), never merely unused. No
 * ticket id holds a control character (ticketIdFault).
 */
export const CHANGELOG_MARK = '\u0000closeloop:changelog-started';

/** Where each partition of the changelog ends (as read-committed readers see it); 0 for one it lacks. */
export async function changelogEnds(
  admin: MessagingAdmin,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, bigint>> {
  const high = new Map((await admin.topicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  return new Map(partitions.map((p) => [p, high.get(p) ?? 0n]));
}

/** The marker record, when a commit of input offsets leaves a changelog partition that ends at 0 without a record. */
export function changelogMark(partition: number): OutgoingRecord {
  return { key: CHANGELOG_MARK, value: null, partition };
}

/**
 * Partitions to refuse at an assignment: those whose changelog ends at 0 although the group has
 * committed offsets of their input. Each is logged (an error; a warning where the operator
 * accepts an empty state with processor.acceptEmptyState, when it is started anyway).
 */
export function refusedPartitions(
  config: CloseloopConfig,
  committed: ReadonlyMap<number, Offsets>,
  ends: ReadonlyMap<number, bigint>,
  log: Logger,
): Map<number, CloseloopError> {
  const refused = new Map<number, CloseloopError>();
  const read = new Map<number, string[]>();
  // Only an empty partition can have been lost whole.
  for (const [partition, end] of ends) {
    if (end !== 0n) continue;
    for (const { topic, offset } of committed.get(partition) ?? []) {
      if (BigInt(offset) > 0n) read.set(partition, [...(read.get(partition) ?? []), `${topic} to offset ${offset}`]);
    }
  }
  for (const [partition, inputsRead] of read) {
    const where = { partition, stateTopic: config.topics.state, inputsRead };
    if (config.processor.acceptEmptyState) {
      log.warn(
        where,
        'state changelog partition holds no record though its input was read; started with no tickets, as processor.acceptEmptyState allows',
      );
      continue;
    }
    const error = stateLost(
      config,
      partition,
      `holds no record, yet group ${config.processor.groupId} has read its input (${inputsRead.join(', ')})`,
    );
    log.error({ ...where, code: error.code, err: error.message }, 'state changelog lost: partition not processed');
    refused.set(partition, error);
  }
  return refused;
}

/** A changelog topic deleted and created again under the running task (its topic id changed). */
export function changelogReplaced(config: CloseloopConfig, partition: number, tickets: number): CloseloopError {
  return stateLost(
    config,
    partition,
    `is not the topic this task restored its state from (its topic id changed); the task keeps its ` +
      `${tickets} ticket(s) in memory, and processes nothing more`,
  );
}

function stateLost(config: CloseloopConfig, partition: number, what: string): CloseloopError {
  return new CloseloopError(
    'CL_STATE_LOST',
    `partition ${partition} of the state changelog ${config.topics.state} ${what}: the topic was deleted or ` +
      `re-created, and the partition's tickets with it. Restore the partition's records (from a backup or a ` +
      `mirror) and restart the processor, or, to go on without its tickets, set processor.acceptEmptyState for ` +
      `one start (their later events are then quarantined as unknown; closeloop import brings open tickets back ` +
      `from a CRM export)`,
    { details: { partition, stateTopic: config.topics.state } },
  );
}

/**
 * Whether the processor never tombstones this state, whatever its clock and retention: the ticket
 * is open, or closed with something pending (isExpired). A tombstone after it was written by
 * something else. A closed ticket with nothing pending may have been expired by an instance
 * with another clock or retention, so its tombstone is taken.
 */
export function neverForgotten(state: TicketState): boolean {
  return !isExpired(state, Number.POSITIVE_INFINITY, 0);
}

/**
 * Writes again the states a restore kept against a tombstone it refused (see restorePartitions):
 * their last changelog record is that tombstone, which compaction would leave alone once the
 * state before it is compacted away, and the next restore would find nothing to keep.
 */
export async function writeBack(
  task: Task,
  ticketIds: readonly string[],
  c: { readonly config: CloseloopConfig; readonly serde: AvroSerde },
): Promise<void> {
  const states = new Map<string, TicketState>();
  for (const id of ticketIds) {
    const s = task.store.get(id);
    if (s) states.set(id, s);
  }
  if (states.size === 0) return;
  const out = new Outbox(c.config, c.serde);
  await emitStates(out, states, task.partition);
  await task.commit(out.records, []);
}
