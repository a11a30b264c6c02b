import type { TicketState } from '../domain/index.ts';
import { messageOf, type CloseloopError } from '../errors/index.ts';
import type { TopicPartitions } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { changelogEnds, refusedPartitions, writeBack } from './changelog-guard.ts';
import { committedInputs } from './input-offsets.ts';
import { restorePartitions, type RestoreResult } from './restore.ts';
import { Task, type TaskContext } from './task.ts';

export interface RestoredAssignment {
  /** The tasks that start, their state restored or kept. */
  readonly tasks: readonly Task[];
  /** Partitions not started: their changelog was lost (see refusedPartitions). */
  readonly refused: Map<number, CloseloopError>;
  /** What was read from the changelog, for the partitions not kept. */
  readonly restored: RestoreResult;
  /** Partitions whose tickets the previous assignment's task handed over (see Task.handOver). */
  readonly kept: readonly number[];
}

/**
 * The tasks of a new assignment. Fenced first: once each task's transactional id is ours, the
 * previous owner can commit nothing more, so the changelog read next is complete. A partition
 * this member held at its previous assignment keeps its tickets when nothing but its own task
 * has written the changelog since (`previous`, retired: see Task.handOver); the others are read
 * from the changelog. A partition whose changelog was lost is refused (its task goes,
 * unstarted), and tickets kept against a stray tombstone are written again (see restorePartitions).
 */
export async function restoreTasks(
  partitions: readonly number[],
  context: TaskContext,
  previous: readonly Task[] = [],
): Promise<RestoredAssignment> {
  const tasks = partitions.map((p) => new Task(p, context));
  try {
    return await restoreFenced(tasks, partitions, context, previous);
  } catch (err) {
    // The tasks are nobody's yet (not in the processor's tasks, which stop() disconnects), and
    // the consumer tries the assignment again and again (a misplaced state or a deleted changelog
    // fails every try): each producer left connected would be one more open connection per try.
    // The restore's own error is the one thrown; a producer that also fails to disconnect adds nothing.
    await releaseTasks(tasks).catch(() => undefined);
    throw err;
  }
}

async function restoreFenced(
  tasks: readonly Task[],
  partitions: readonly number[],
  context: TaskContext,
  previous: readonly Task[],
): Promise<RestoredAssignment> {
  const { messaging, admin, serde, config, log, metrics, inputs } = context;
  // Settled, every one, before a failure is thrown: a producer still connecting would be
  // connected after the disconnect above.
  const fenced = await Promise.allSettled(tasks.map(async (t) => (await t.producer()).fence()));
  for (const f of fenced) if (f.status === 'rejected') throw f.reason;
  // Asked before the read: a topic re-created after it shows as another topic at the next check.
  const changelogId = await admin.topicId(config.topics.state);
  // Read after the fence, so a transaction another owner left open has its abort marker here.
  const ends = await changelogEnds(admin, config.topics.state, partitions);
  const committed = await committedInputs(admin, config.processor.groupId, inputs, partitions);
  const kept = handedOver(previous, changelogId, ends);
  const toRead = partitions.filter((p) => !kept.has(p));
  const restored =
    toRead.length > 0
      ? await restorePartitions(messaging, admin, serde, config.topics.state, toRead, {
          log,
          metrics,
          placedBy: config.processor,
        })
      : nothingRead();
  const refused = refusedPartitions(config, committed, ends, log);
  const started: Task[] = [];
  for (const t of tasks) {
    if (refused.has(t.partition)) {
      await t.disconnect();
      continue;
    }
    t.knowCommitted(committed.get(t.partition) ?? []);
    const end = ends.get(t.partition) ?? 0n;
    const store = kept.get(t.partition);
    if (store) t.adopt(store, end, changelogId);
    else {
      t.restored(restored.stores.get(t.partition), end, changelogId);
      await writeBack(t, restored.keptAgainstTombstones.get(t.partition) ?? [], context);
    }
    started.push(t);
  }
  return { tasks: started, refused, restored, kept: [...kept.keys()].filter((p) => !refused.has(p)) };
}

/** The previous tasks' tickets that are still the changelog's, by partition (see Task.handOver). */
function handedOver(
  previous: readonly Task[],
  changelogId: string,
  ends: ReadonlyMap<number, bigint>,
): Map<number, Map<string, TicketState>> {
  const kept = new Map<number, Map<string, TicketState>>();
  for (const t of previous) {
    const end = ends.get(t.partition);
    const store = end === undefined ? null : t.handOver(changelogId, end);
    if (store) kept.set(t.partition, store);
  }
  return kept;
}

const nothingRead = (): RestoreResult => ({
  stores: new Map(),
  records: 0,
  unreadable: 0,
  keptAgainstTombstones: new Map(),
  ms: 0,
});

/**
 * A member's tasks from one assignment to the next: the tasks of before retired (they commit
 * nothing more), then the new ones restored, taking the memory of the partitions kept (see
 * Task.handOver). Until an assignment succeeds the tasks retired last stay at hand, so an
 * assignment tried again after a failure (a partition that cannot be restored) still takes it.
 */
export class TaskSuccession {
  #retired: readonly Task[] = [];

  async next(old: readonly Task[], partitions: readonly number[], context: TaskContext): Promise<RestoredAssignment> {
    await retireTasks(old, context.log);
    if (old.length > 0) this.#retired = old;
    const next = await restoreTasks(partitions, context, this.#retired);
    this.#retired = [];
    return next;
  }
}

/** The line an assignment ends with: what was given, kept, refused and read. */
export function logAssigned(
  log: Logger,
  assigned: readonly TopicPartitions[],
  partitions: readonly number[],
  { tasks, refused, restored, kept }: RestoredAssignment,
): void {
  log.info(
    {
      partitions,
      assigned,
      refused: [...refused.keys()],
      kept,
      tickets: tasks.reduce((n, t) => n + t.store.size, 0),
      changelogRecords: restored.records,
      unreadable: restored.unreadable,
      restoreMs: restored.ms,
    },
    'partitions assigned; state restored',
  );
}

/**
 * Waits for the tasks' work in hand (their transactions end), then disconnects their producers
 * side by side, each whatever the others do; the first failure is thrown once all are done.
 */
export async function releaseTasks(tasks: readonly Task[]): Promise<void> {
  await Promise.all(tasks.map((t) => t.chain));
  const closed = await Promise.allSettled(tasks.map((t) => t.disconnect()));
  for (const c of closed) if (c.status === 'rejected') throw c.reason;
}

/**
 * Retires the tasks a new assignment replaces (they may commit nothing more) and releases them.
 * A producer that does not disconnect is logged, not thrown: the new tasks' producers fence its
 * id whatever it does, and the assignment goes on.
 */
export async function retireTasks(tasks: readonly Task[], log: Logger): Promise<void> {
  for (const t of tasks) t.retired = true;
  await releaseTasks(tasks).catch((err: unknown) =>
    log.warn({ err: messageOf(err), partitions: tasks.map((t) => t.partition) }, 'a retired task did not disconnect'),
  );
}
