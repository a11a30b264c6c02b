import type { CloseloopConfig } from '../config/index.ts';
import type { TicketState } from '../domain/index.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import type {
  AvroSerde,
  GroupMembership,
  Messaging,
  MessagingAdmin,
  OutgoingRecord,
  RecordBatch,
  TransactionalProducer,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { changelogEnds, changelogMark, changelogReplaced, writeBack } from './changelog-guard.ts';
import { compactState } from './compact-state.ts';
import { committedInputs } from './input-offsets.ts';
import { restorePartitions } from './restore.ts';

export interface TaskContext {
  readonly config: CloseloopConfig;
  /**
   * The group membership the tasks' assignment was dealt under: their input offsets commit
   * under it, so once the group has moved on (a newer generation, even one that gives this
   * member the same partitions) they are refused, and a task the member kept by mistake, or
   * one of a member whose session expired, commits nothing (KIP-447).
   */
  readonly membership: GroupMembership;
  /** The processor's input topics, whose committed offsets a task knows (see knowCommitted). */
  readonly inputs: readonly string[];
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly admin: MessagingAdmin;
  readonly log: Logger;
  /** Commits of the whole processor, numbered for the commit hook. */
  readonly commits: CommitLog;
  readonly commitHook?: CommitHook | undefined;
  /** Where a re-read counts the changelog records it passed over. */
  readonly metrics?: Metrics | undefined;
}

/**
 * Called around every transaction commit of the processor, numbered from 1 across all tasks;
 * fault injection uses it (see fault-hooks.ts), production runs have none.
 */
export interface CommitHook {
  /**
   * Before the n-th commit ends its transaction (its records and offsets are sent). `settled`
   * waits for the commits started before it: partitions commit side by side.
   */
  before?(n: number, settled: () => Promise<void>): Promise<void> | void;
  /** After the n-th commit succeeded; a throw reports it as failed, as a lost EndTxn reply would. */
  after?(n: number): void;
}

export interface CommitLog {
  started: number;
  completed: number;
  readonly inFlight: Set<Promise<void>>;
}

export const newCommitLog = (): CommitLog => ({ started: 0, completed: 0, inFlight: new Set() });

export type Offsets = { topic: string; partition: number; offset: string }[];

interface WaitingBatch {
  readonly batch: RecordBatch;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Partition p of every input topic: its tickets in memory, and the transactional producer
 * whose id is the task's, so the task moving to another instance fences this one.
 */
export class Task {
  readonly partition: number;
  #store = new Map<string, TicketState>();
  /** Set when a rebalance replaced this task; it may then create no producer and commit nothing. */
  retired = false;
  /** A commit failed, perhaps after the broker applied it: memory is re-read before next use. */
  stale = false;
  /**
   * Set when the group refused a commit's offsets (CL_KAFKA_NOT_MEMBER): it has moved on from
   * this task's assignment, and the next assignment replaces the task. Until then the task
   * claims its id no more (a newer owner may hold it) and refuses its work with this error.
   */
  #behindGroup: CloseloopError | null = null;
  /**
   * The group's committed offsets of this partition, by input topic, as far as this task knows
   * them: read at its assignment and at a re-read, moved by its own commits. A timer sweep's
   * transaction commits them again, unchanged, so that the group checks its membership too: a
   * transaction without offsets is checked by nobody, and would let a member whose session
   * expired write states after claiming its id back.
   */
  readonly #committed = new Map<string, string>();
  /** Batches and timer sweeps of one task run one at a time. */
  chain: Promise<void> = Promise.resolve();
  /** Batches handed over while the task was busy: they go together in its next transaction. */
  #waiting: WaitingBatch[] = [];
  #producer: TransactionalProducer | null = null;
  /** The id of the changelog topic the state was restored from: another means it was re-created. */
  #changelogId: string | null = null;
  /** Whether the changelog partition has a record: it ended above 0, or this task wrote to it. */
  #changelogWritten = false;
  /**
   * Where the changelog partition ends as this task's own writes leave it: the end its state was
   * read to, and each committed transaction's state records and commit marker after that.
   */
  #changelogEnd = 0n;
  readonly #c: TaskContext;

  constructor(partition: number, context: TaskContext) {
    this.partition = partition;
    this.#c = context;
  }

  /**
   * Group commit. A batch that arrives while the task is busy (its last transaction still
   * committing, or a sweep) waits, and every batch waiting when the task is free again goes into
   * one transaction, in the order they arrived. An idle task starts on a batch at once, so a
   * lone batch waits no longer than before; under load, the transaction round trips are shared
   * by all of a task's inputs instead of paid once per input partition. Resolves when the
   * batch's transaction commits; rejects, for every batch in it, when it fails.
   */
  enqueue(batch: RecordBatch, run: (batches: readonly RecordBatch[]) => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ batch, resolve, reject });
      // A turn is already queued on the chain and will take this batch along.
      if (this.#waiting.length > 1) return;
      const turn = this.chain.then(async () => {
        const group = this.#waiting;
        this.#waiting = [];
        try {
          await run(group.map((w) => w.batch));
        } catch (err) {
          for (const w of group) w.reject(err);
          return;
        }
        for (const w of group) w.resolve();
      });
      this.chain = turn.catch(() => undefined);
    });
  }

  /** Takes these as the group's committed offsets of its partition (see #committed). */
  knowCommitted(offsets: Offsets): void {
    for (const o of offsets) if (o.partition === this.partition) this.#committed.set(o.topic, o.offset);
  }

  /** The offsets a transaction without input commits again (see #committed); none before any is known. */
  committedOffsets(): Offsets {
    return [...this.#committed].map(([topic, offset]) => ({ topic, partition: this.partition, offset }));
  }

  async producer(): Promise<TransactionalProducer> {
    if (this.retired) throw new CloseloopError('CL_KAFKA_TRANSIENT', `task ${this.partition} was reassigned`);
    if (this.#producer) return this.#producer;
    const producer = this.#c.messaging.transactionalProducer(
      `${this.#c.config.processor.groupId}-task-${this.partition}`,
    );
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  async disconnect(): Promise<void> {
    await this.#producer?.disconnect();
    this.#producer = null;
  }

  /** The partition's tickets. */
  get store(): Map<string, TicketState> {
    return this.#store;
  }

  /** Takes a restored state of the partition, read from the changelog topic `changelogId`, which ended at `end`. */
  restored(states: ReadonlyMap<string, TicketState> | undefined, end: bigint, changelogId: string): void {
    this.#store = new Map(states ?? []);
    this.#changelogWritten = end > 0n;
    this.#changelogEnd = end;
    this.#changelogId = changelogId;
  }

  /**
   * The tickets, for this member's task of the same partition at its next assignment, if they
   * are still the changelog's: the task's last commit did not fail (which may have written what
   * memory lacks), the changelog topic is the one they were read from, and the partition ends at
   * `end` where this task's own commits left it, so no one else has written a state there since
   * (a member that had the partition in between and changed a ticket wrote its state). Null
   * otherwise: the new task reads the changelog. The one case the end cannot tell is a broker that
   * lost acknowledged records (an unclean leader election) and took others up to the same offset
   * since; a restore then would not have the lost ones either.
   */
  handOver(changelogId: string, end: bigint): Map<string, TicketState> | null {
    if (this.stale || changelogId !== this.#changelogId || end !== this.#changelogEnd) return null;
    return this.#store;
  }

  /** Takes over the tickets a task of the previous assignment handed over (see handOver), without a copy. */
  adopt(store: Map<string, TicketState>, end: bigint, changelogId: string): void {
    this.#store = store;
    this.#changelogWritten = end > 0n;
    this.#changelogEnd = end;
    this.#changelogId = changelogId;
  }

  /**
   * Writes the records and, when given, the input offsets in one transaction. The first input
   * offsets committed to a changelog partition that has no record yet come with a marker there
   * (see CHANGELOG_MARK), so that an empty changelog partition always means a lost one.
   */
  async commit(out: Map<string, OutgoingRecord[]>, offsets: Offsets): Promise<void> {
    const c = this.#c;
    const stateTopic = c.config.topics.state;
    const unmarked = offsets.length > 0 && !this.#changelogWritten && !out.get(stateTopic)?.length;
    const records = unmarked ? new Map([...out, [stateTopic, [changelogMark(this.partition)]]]) : out;
    const producer = await this.producer();
    const tx = await producer.begin();
    try {
      await tx.sendMany(records);
      if (offsets.length > 0) await tx.sendOffsets(c.membership, offsets);
      c.commits.started += 1;
      await c.commitHook?.before?.(c.commits.started, async () => {
        await Promise.allSettled([...c.commits.inFlight]);
      });
      const committing = tx.commit();
      c.commits.inFlight.add(committing);
      try {
        await committing;
      } finally {
        c.commits.inFlight.delete(committing);
      }
      c.commits.completed += 1;
      this.#wrote(records.get(stateTopic) ?? []);
      this.knowCommitted(offsets);
      c.commitHook?.after?.(c.commits.completed);
    } catch (err) {
      const aborted = await tx.abort().then(
        () => true,
        () => false,
      );
      if (isCloseloopError(err, 'CL_KAFKA_NOT_MEMBER')) this.#leftBehind(err);
      // Refused before its end and aborted, the transaction's outcome is known: memory holds, and
      // the changelog partition ends past its records and abort marker (see handOver).
      if (aborted && this.#behindGroup) this.#advance(records.get(stateTopic) ?? []);
      else this.stale = true;
      // A fenced or broken producer is not reused; the next batch makes a new one.
      await producer.disconnect().catch(() => undefined);
      this.#producer = null;
      throw err;
    }
  }

  /** Whether the group refused this task's offsets: its assignment is over (see #behindGroup). */
  get behindGroup(): boolean {
    return this.#behindGroup !== null;
  }

  #leftBehind(err: CloseloopError): void {
    if (this.#behindGroup) return;
    this.#behindGroup = new CloseloopError(
      'CL_KAFKA_NOT_MEMBER',
      `partition ${this.partition}: the consumer group has moved on from this assignment; its records wait for the next one`,
      { cause: err },
    );
    this.#c.log.warn(
      { partition: this.partition, code: err.code, generationId: this.#c.membership.generationId },
      'the consumer group has moved on from this assignment (its offsets or its membership refused); the partition waits for the next assignment',
    );
  }

  /**
   * Before the task claims its id again, which fences whoever holds it: the group must still be
   * at this assignment's membership. A commit fenced by the partition's new owner leaves a member
   * whose session expired unaware (it learns at its next heartbeat); claiming the id back would
   * abort the new owner's transaction. Its offsets would be refused after that (KIP-447), but the
   * new owner's work would be lost and its id claimed back and forth.
   */
  async #stillMember(): Promise<void> {
    // A group id alone (tools, tests) is not checked here, as its offsets are not (sendOffsets).
    if (this.#c.membership.memberId === '') return;
    try {
      await this.#c.admin.checkMembership(this.#c.membership);
    } catch (err) {
      if (!isCloseloopError(err, 'CL_KAFKA_NOT_MEMBER')) throw err;
      this.#leftBehind(err);
      throw this.#behindGroup ?? err;
    }
  }

  /** Counts a committed transaction's changelog records into where the partition now ends. */
  #wrote(states: readonly OutgoingRecord[]): void {
    if (states.length === 0) return;
    this.#changelogWritten = true;
    this.#advance(states);
  }

  /** Where the changelog partition ends after a transaction with these states ended, either way. */
  #advance(states: readonly OutgoingRecord[]): void {
    if (states.length === 0) return;
    // Every writer puts a task's states on its partition. One elsewhere would leave this count
    // unable to say where the partition ends: nothing is handed over (see handOver).
    if (states.some((r) => r.partition !== this.partition)) this.#changelogEnd = -1n;
    // The transaction's states and its marker (commit or abort), which takes an offset too.
    else if (this.#changelogEnd >= 0n) this.#changelogEnd += BigInt(states.length) + 1n;
  }

  /**
   * After a commit: the store follows what the transaction wrote (null forgets a ticket), held
   * as compactly as a restored state (compact-state.ts).
   */
  apply(changes: ReadonlyMap<string, TicketState | null>): void {
    for (const [id, s] of changes) {
      if (!s) this.store.delete(id);
      else if (s.ticketId === id) this.store.set(s.ticketId, compactState(s));
      else this.store.set(id, compactState(s));
    }
  }

  /**
   * Whether the changelog topic is still the one the state was restored from (the timer sweeps
   * ask): one deleted and created again takes this task's next commits as if nothing happened,
   * and holds only those, so a restart would restore only their tickets. The task is then
   * stale, and its re-read refuses (see refreshIfStale).
   */
  async checkChangelog(): Promise<void> {
    if (this.stale || this.#changelogId === null) return;
    if ((await this.#c.admin.topicId(this.#c.config.topics.state)) !== this.#changelogId) this.stale = true;
  }

  /**
   * After a failed commit the outcome is unknown: the broker may have committed what the client
   * saw fail, input offsets included, so those records will not come again. Memory is then not
   * trusted: a fresh producer fences any transaction still open, and the partition's state is
   * read again from the changelog, which is then complete. Unless the changelog topic is no longer
   * the one the state was restored from: deleted and created again under the task, it holds
   * none or only some of the tickets, and reading it would forget the others. That fails with
   * CL_STATE_LOST, memory kept and the task still stale, at every try: its batches and sweeps
   * fail, which readiness, closeloop_consumer_failing and closeloop health report.
   */
  async refreshIfStale(): Promise<void> {
    if (this.#behindGroup) throw this.#behindGroup;
    if (!this.stale) return;
    const { messaging, admin, serde, config, log, metrics } = this.#c;
    await this.#stillMember();
    await (await this.producer()).fence();
    const changelogId = await admin.topicId(config.topics.state);
    if (changelogId !== this.#changelogId) {
      const error = changelogReplaced(config, this.partition, this.store.size);
      log.error(
        { partition: this.partition, code: error.code, tickets: this.store.size },
        'state changelog re-created under a running task: its tickets are kept in memory, the partition is not processed',
      );
      throw error;
    }
    const end = (await changelogEnds(admin, config.topics.state, [this.partition])).get(this.partition) ?? 0n;
    // The failed commit may have committed its offsets after all: what the group holds now.
    const committed = await committedInputs(admin, config.processor.groupId, this.#c.inputs, [this.partition]);
    this.#committed.clear();
    this.knowCommitted(committed.get(this.partition) ?? []);
    const restored = await restorePartitions(messaging, admin, serde, config.topics.state, [this.partition], {
      log,
      metrics,
      placedBy: config.processor,
    });
    this.restored(restored.stores.get(this.partition), end, changelogId);
    this.stale = false;
    await writeBack(this, restored.keptAgainstTombstones.get(this.partition) ?? [], this.#c);
    log.warn(
      { partition: this.partition, tickets: this.store.size, restoreMs: restored.ms },
      'state re-read after a failed commit',
    );
  }
}
