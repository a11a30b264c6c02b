import { writeSync } from 'node:fs';
import type { CloseloopConfig } from '../config/index.ts';
import type { TicketState } from '../domain/index.ts';
import { CloseloopError } from '../errors/index.ts';
import type {
  AvroSerde,
  Messaging,
  MessagingAdmin,
  OutgoingRecord,
  TransactionalProducer,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { restorePartitions } from './restore.ts';

export interface TaskContext {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly admin: MessagingAdmin;
  readonly log: Logger;
  /** Commits of the whole processor, for the fault injection below. */
  readonly commits: CommitLog;
  /**
   * Fault injection for crash tests: SIGKILL this process at the n-th commit, once the commits
   * started before it have finished. Partitions commit side by side, so without that wait the
   * kill could land while commits 1 … n-1 were still in flight, and abort them too.
   */
  readonly killBeforeCommit?: number | undefined;
  /** Fault injection: report the n-th commit as failed after it succeeded (a lost EndTxn reply). */
  readonly failAfterCommit?: number | undefined;
}

export interface CommitLog {
  started: number;
  completed: number;
  readonly inFlight: Set<Promise<void>>;
}

export const newCommitLog = (): CommitLog => ({ started: 0, completed: 0, inFlight: new Set() });

export type Offsets = { topic: string; partition: number; offset: string }[];

/**
 * Partition p of every input topic: its tickets in memory, and the transactional producer
 * whose id is the task's, so the task moving to another instance fences this one.
 */
export class Task {
  readonly partition: number;
  readonly store = new Map<string, TicketState>();
  /** Set when a rebalance replaced this task; it may then create no producer and commit nothing. */
  retired = false;
  /** A commit failed, perhaps after the broker applied it: memory is re-read before next use. */
  stale = false;
  /** Batches and timer sweeps of one task run one at a time. */
  chain: Promise<void> = Promise.resolve();
  #producer: TransactionalProducer | null = null;
  readonly #c: TaskContext;

  constructor(partition: number, context: TaskContext) {
    this.partition = partition;
    this.#c = context;
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

  /** Writes the records and, when given, the input offsets in one transaction. */
  async commit(out: Map<string, OutgoingRecord[]>, offsets: Offsets): Promise<void> {
    const c = this.#c;
    const producer = await this.producer();
    const tx = await producer.begin();
    try {
      await tx.sendMany(out);
      if (offsets.length > 0) await tx.sendOffsets(c.config.processor.groupId, offsets);
      c.commits.started += 1;
      if (c.killBeforeCommit !== undefined && c.commits.started >= c.killBeforeCommit) {
        await Promise.allSettled([...c.commits.inFlight]);
        // Written synchronously: an asynchronous log line would die with the process.
        writeSync(2, `fault injection: SIGKILL before commit ${c.commits.started}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      const committing = tx.commit();
      c.commits.inFlight.add(committing);
      try {
        await committing;
      } finally {
        c.commits.inFlight.delete(committing);
      }
      c.commits.completed += 1;
      if (c.commits.completed === c.failAfterCommit) {
        throw new CloseloopError(
          'CL_KAFKA_TRANSIENT',
          `fault injection: commit ${c.commits.completed} reported as failed`,
        );
      }
    } catch (err) {
      this.stale = true;
      await tx.abort().catch(() => undefined);
      // A fenced or broken producer is not reused; the next batch makes a new one.
      await producer.disconnect().catch(() => undefined);
      this.#producer = null;
      throw err;
    }
  }

  /**
   * After a failed commit the outcome is unknown: the broker may have committed what the client
   * saw fail, input offsets included, so those records will not come again. Memory is then not
   * trusted: a fresh producer fences any transaction still open, and the partition's state is
   * read again from the changelog, which is then complete.
   */
  async refreshIfStale(): Promise<void> {
    if (!this.stale) return;
    const { messaging, admin, serde, config, log } = this.#c;
    await (await this.producer()).fence();
    const restored = await restorePartitions(messaging, admin, serde, config.topics.state, [this.partition]);
    this.store.clear();
    for (const [id, s] of restored.stores.get(this.partition) ?? []) this.store.set(id, s);
    this.stale = false;
    log.warn(
      { partition: this.partition, tickets: this.store.size, restoreMs: restored.ms },
      'state re-read after a failed commit',
    );
  }
}
