import { randomUUID } from 'node:crypto';
import { CloseloopError } from '../../errors/index.ts';
import { Group } from './group.ts';
import { PartitionLog, type TxnState } from './log.ts';

/** A transaction in flight: where it wrote, and the consumed offsets to commit with it. */
export interface OpenTxn extends TxnState {
  readonly partitions: Set<PartitionLog>;
  readonly offsets: Map<string, { topic: string; partition: number; offset: number }[]>;
}

/** The error the Kafka adapter gives for a topic the broker does not have (auto-creation is off). */
export function missingTopic(topic: string, action: string): CloseloopError {
  return new CloseloopError('CL_KAFKA_TRANSIENT', `${action}: This server does not host this topic-partition`, {
    details: { topic, kafkaErrorType: 'UNKNOWN_TOPIC_OR_PARTITION' },
  });
}

/** A stable read of group offsets that an open transaction held up past the client's retries. */
export function unstableOffsets(topic: string, action: string): CloseloopError {
  return new CloseloopError(
    'CL_KAFKA_TRANSIENT',
    `${action}: The broker could not give a stable offset: a transaction still holds newer offsets of the group`,
    { details: { topic, kafkaErrorType: 'UNSTABLE_OFFSET_COMMIT' } },
  );
}

/** The broker's words for a member the group does not take (its offsets or its heartbeat). */
export const GROUP_REFUSAL = {
  UNKNOWN_MEMBER_ID: 'The coordinator is not aware of this member.',
  ILLEGAL_GENERATION: 'Specified group generation id is not valid.',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed.',
} as const;

/** A request Kafka refuses for good (fenced producer, a stale member's offsets, a transaction used after it ended). */
export function refused(action: string, why: string, kafkaErrorType?: string): CloseloopError {
  const code =
    kafkaErrorType === 'INVALID_PRODUCER_EPOCH'
      ? 'CL_KAFKA_FENCED'
      : kafkaErrorType !== undefined && Object.hasOwn(GROUP_REFUSAL, kafkaErrorType)
        ? 'CL_KAFKA_NOT_MEMBER'
        : 'CL_KAFKA_FATAL';
  return new CloseloopError(code, `${action}: ${why}`, {
    details: kafkaErrorType ? { kafkaErrorType } : {},
  });
}

/**
 * The broker of one in-memory Messaging: topics, consumer groups and transactional ids. Every
 * change that may let a consumer read more (a write, a marker, a resumed partition) calls the
 * watchers, which is how consumers wait without polling.
 */
export class Cluster {
  readonly clock: () => number;
  readonly #topics = new Map<string, PartitionLog[]>();
  /** Each topic's id, new each time a topic is created, as Kafka's topic ids are. */
  readonly #ids = new Map<string, string>();
  /** Each topic's own settings, as created; they change nothing here (see InMemoryAdmin). */
  readonly #settings = new Map<string, Readonly<Record<string, string>>>();
  readonly #groups = new Map<string, Group>();
  readonly #producers = new Map<string, { epoch: number; open: OpenTxn | null }>();
  readonly #watchers = new Set<() => void>();
  /** The timeout of each transaction that has written something (see ongoing). */
  readonly #expiries = new Map<OpenTxn, NodeJS.Timeout>();
  readonly #transactionTimeoutMs: number;
  #members = 0;

  constructor(clock: () => number, transactionTimeoutMs: number) {
    this.clock = clock;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  createTopic(topic: string, partitions: number, settings: Readonly<Record<string, string>> = {}): void {
    if (this.#topics.has(topic)) return;
    this.#ids.set(topic, randomUUID());
    this.#settings.set(topic, { ...settings });
    this.#topics.set(
      topic,
      Array.from({ length: partitions }, (_, p) => new PartitionLog(topic, p)),
    );
  }

  /** Grows a topic to `count` partitions; Kafka refuses to shrink one, and so does this. */
  addPartitions(topic: string, count: number, action: string): void {
    const logs = this.partitions(topic, action);
    if (count <= logs.length)
      throw new CloseloopError('CL_KAFKA_FATAL', `${action}: the topic has ${logs.length} partitions already`);
    for (let p = logs.length; p < count; p += 1) logs.push(new PartitionLog(topic, p));
    this.changed();
  }

  deleteTopic(topic: string): void {
    if (!this.#topics.delete(topic)) throw missingTopic(topic, `deleting topics ${topic}`);
    this.#ids.delete(topic);
    this.#settings.delete(topic);
  }

  topicId(topic: string, action: string): string {
    const id = this.#ids.get(topic);
    if (id === undefined) throw missingTopic(topic, action);
    return id;
  }

  topicSettings(topic: string, action: string): Readonly<Record<string, string>> {
    const settings = this.#settings.get(topic);
    if (settings === undefined) throw missingTopic(topic, action);
    return settings;
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  partitionCount(topic: string): number {
    return this.#topics.get(topic)?.length ?? 0;
  }

  partitions(topic: string, action: string): PartitionLog[] {
    const logs = this.#topics.get(topic);
    if (!logs) throw missingTopic(topic, action);
    return logs;
  }

  /** One partition's log, or undefined when the topic or partition does not exist (any more). */
  log(topic: string, partition: number): PartitionLog | undefined {
    return this.#topics.get(topic)?.[partition];
  }

  group(id: string): Group {
    let g = this.#groups.get(id);
    if (!g) {
      g = new Group(id, (t) => this.partitionCount(t));
      this.#groups.set(id, g);
    }
    return g;
  }

  /** Member ids sort in join order, so assignments are the same on every run. */
  nextMemberId(clientId: string): string {
    this.#members += 1;
    return `${clientId}-${String(this.#members).padStart(6, '0')}`;
  }

  watch(fn: () => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  changed(): void {
    for (const w of [...this.#watchers]) w();
  }

  /** InitProducerId: a new epoch for the id, which fences older holders and aborts what they left open. */
  claim(transactionalId: string): number {
    const p = this.#producers.get(transactionalId) ?? { epoch: 0, open: null };
    if (p.open) this.end(transactionalId, p.open, 'aborted');
    p.epoch += 1;
    this.#producers.set(transactionalId, p);
    return p.epoch;
  }

  /** Whether an open transaction holds offsets of the group for one of these partitions (KIP-447's pending offsets). */
  pendingOffsets(groupId: string, topic: string, partitions: readonly number[]): boolean {
    for (const { open } of this.#producers.values()) {
      const held = open?.offsets.get(groupId) ?? [];
      if (held.some((o) => o.topic === topic && partitions.includes(o.partition))) return true;
    }
    return false;
  }

  /**
   * Resolves once `ready()` holds, checked at every change; rejects with `timedOut()` after
   * `ms`, as a broker's answer retried until the client gives up.
   */
  until(ready: () => boolean, ms: number, timedOut: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const done = (err?: Error) => {
        clearTimeout(timer);
        unwatch();
        if (err) reject(err);
        else resolve();
      };
      const unwatch = this.watch(() => {
        if (ready()) done();
      });
      const timer = setTimeout(() => done(timedOut()), ms);
    });
  }

  epoch(transactionalId: string): number {
    return this.#producers.get(transactionalId)?.epoch ?? 0;
  }

  open(transactionalId: string, txn: OpenTxn): void {
    const p = this.#producers.get(transactionalId);
    if (p) p.open = txn;
  }

  /**
   * The id's open transaction has written records or offsets: from now on its timeout runs, as
   * a broker's runs from the transaction's first partition. Past it, the transaction is aborted
   * and the id's epoch moves on, so its holder is fenced at its next request (as Kafka's
   * coordinator does; the Kafka adapter then fails with CL_KAFKA_FENCED as well).
   */
  ongoing(transactionalId: string, txn: OpenTxn): void {
    if (this.#expiries.has(txn) || this.#producers.get(transactionalId)?.open !== txn) return;
    const timer = setTimeout(() => this.#expire(transactionalId, txn), this.#transactionTimeoutMs);
    // A transaction left open keeps no test process alive.
    timer.unref();
    this.#expiries.set(txn, timer);
  }

  #expire(transactionalId: string, txn: OpenTxn): void {
    this.#expiries.delete(txn);
    const p = this.#producers.get(transactionalId);
    if (p?.open !== txn) return;
    this.end(transactionalId, txn, 'aborted');
    p.epoch += 1;
  }

  /** Writes the markers and, on commit, the offsets, all at once: no reader sees half of it. */
  end(transactionalId: string, txn: OpenTxn, outcome: 'committed' | 'aborted'): void {
    clearTimeout(this.#expiries.get(txn));
    this.#expiries.delete(txn);
    txn.state = outcome;
    const now = String(this.clock());
    for (const log of txn.partitions) log.end(txn, now);
    if (outcome === 'committed') for (const [id, offsets] of txn.offsets) this.group(id).commit(offsets);
    const p = this.#producers.get(transactionalId);
    if (p?.open === txn) p.open = null;
    this.changed();
  }
}
