import { messageOf } from '../../errors/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { ASSIGNING, type HealthTracker } from '../consumer-health.ts';
import { judgeOutOfRange, logSkipped } from '../skipped.ts';
import type { ConsumerHandlers, ConsumerHealth, MessageConsumer, OffsetCommit, TopicPartitions } from '../types.ts';
import { position, recordBatch } from './batch.ts';
import type { Cluster } from './cluster.ts';
import { tp, type Group, type GroupMember } from './group.ts';
import type { Fetched, PartitionLog } from './log.ts';

export interface InMemoryConsumerOptions {
  readonly groupId: string;
  readonly coPartitioned?: boolean;
  readonly partitionsConcurrently?: number;
  /** Entries (records, markers, aborted records) one batch covers at most. */
  readonly maxBatchEntries: number;
  /** How long a member whose handler failed waits before it rejoins, as kafkajs backs off a restart. */
  readonly restartDelayMs: number;
  readonly health: HealthTracker;
  /** Where skipped records are logged, as the Kafka adapter logs them; not logged without. */
  readonly logger?: Logger;
}

/**
 * A group member. One loop per member does what kafkajs's runner does: rejoin when the group's
 * generation moves (after the batches in hand finish), take the committed offsets as positions,
 * call onAssignment, then hand each partition's committed data over batch by batch, several
 * partitions at once up to partitionsConcurrently. A handler that throws makes the member
 * rejoin, so every member starts again from the committed offsets. It waits for writes and
 * other changes to be signalled; nothing polls.
 */
export class InMemoryConsumer implements MessageConsumer {
  readonly #cluster: Cluster;
  readonly #o: InMemoryConsumerOptions;
  readonly #group: Group;
  readonly #member: GroupMember;
  readonly #topics: string[] = [];
  #fromBeginning = true;
  #handlers: ConsumerHandlers | null = null;
  #loop: Promise<void> | null = null;
  #unwatch: (() => void) | null = null;
  #stopping = false;
  #failed = false;
  /** The generation whose partitions this member holds, and the last one it rejoined for. */
  #generation = 0;
  #rejoined = 0;
  #assigned: { topic: string; partition: number; key: string }[] = [];
  #turn = 0;
  readonly #position = new Map<string, number>();
  readonly #seeks = new Map<string, number>();
  readonly #paused = new Set<string>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #dirty = false;
  #signal: (() => void) | null = null;

  constructor(cluster: Cluster, options: InMemoryConsumerOptions) {
    this.#cluster = cluster;
    this.#o = options;
    this.#group = cluster.group(options.groupId);
    this.#member = {
      id: cluster.nextMemberId(options.groupId),
      topics: this.#topics,
      coPartitioned: options.coPartitioned ?? false,
      wake: () => this.#wake(),
    };
  }

  health(): ConsumerHealth {
    return this.#o.health.health();
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#wake();
    await this.#loop;
    this.#loop = null;
    this.#unwatch?.();
    this.#group.leave(this.#member.id);
  }

  async subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    for (const t of topics) this.#cluster.partitions(t, `subscribing to ${topics.join(', ')}`);
    this.#topics.push(...topics.filter((t) => !this.#topics.includes(t)));
    this.#fromBeginning = options.fromBeginning ?? true;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    this.#handlers = handlers;
    this.#unwatch = this.#cluster.watch(() => this.#wake());
    this.#group.join(this.#member);
    this.#loop = this.#run();
  }

  async commitOffsets(offsets: readonly OffsetCommit[]): Promise<void> {
    this.#group.commit(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) })));
  }

  pause(parts: readonly TopicPartitions[]): void {
    for (const p of parts) for (const n of p.partitions) this.#paused.add(tp(p.topic, n));
  }

  resume(parts: readonly TopicPartitions[]): void {
    for (const p of parts) for (const n of p.partitions) this.#paused.delete(tp(p.topic, n));
    this.#wake();
  }

  seek(topic: string, partition: number, offset: string): void {
    const key = tp(topic, partition);
    this.#seeks.set(key, (this.#seeks.get(key) ?? 0) + 1);
    this.#position.set(key, Number(offset));
    this.#wake();
  }

  #wake(): void {
    this.#dirty = true;
    this.#signal?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#dirty = false;
      await this.#step();
      if (!this.#dirty && !this.#stopping) await new Promise<void>((resolve) => (this.#signal = resolve));
      this.#signal = null;
    }
    await Promise.all(this.#inFlight.values());
  }

  async #step(): Promise<void> {
    const group = this.#group;
    // Batches in hand finish before a rejoin, as kafkajs rejoins only between fetches.
    if ((this.#failed || this.#generation !== group.generation) && this.#inFlight.size > 0) return;
    if (this.#failed) {
      this.#failed = false;
      await new Promise((resolve) => setTimeout(resolve, this.#o.restartDelayMs));
      if (!this.#stopping) group.rebalance();
      return;
    }
    if (this.#generation !== group.generation) {
      const generation = group.generation;
      if (this.#rejoined !== generation) {
        this.#rejoined = generation;
        group.rejoin(this.#member.id, generation);
      }
      const assigned = group.assignmentOf(this.#member.id, generation);
      if (assigned) await this.#sync(generation, assigned);
      return;
    }
    this.#dispatch();
  }

  // kafkajs starts every generation afresh from the committed offsets, even for kept partitions.
  async #sync(generation: number, assigned: TopicPartitions[]): Promise<void> {
    this.#generation = generation;
    this.#position.clear();
    this.#assigned = assigned.flatMap((a) =>
      a.partitions.map((p) => ({ topic: a.topic, partition: p, key: tp(a.topic, p) })),
    );
    for (const { topic, partition, key } of this.#assigned) {
      const log = this.#cluster.log(topic, partition);
      const at = this.#group.committed(topic, partition) ?? (this.#fromBeginning ? log?.start : log?.high) ?? 0;
      this.#position.set(key, at);
      this.#o.health.readFrom(topic, partition, BigInt(at));
    }
    this.#o.health.holding(this.#assigned);
    try {
      await this.#handlers?.onAssignment?.(assigned);
      this.#o.health.succeeded(ASSIGNING);
      this.#o.health.assigned();
    } catch (err) {
      this.#o.health.failed(ASSIGNING, err);
      this.#failed = true;
    }
  }

  #dispatch(): void {
    const limit = Math.max(1, this.#o.partitionsConcurrently ?? 1);
    const n = this.#assigned.length;
    // Starting one further each time, so a busy partition cannot starve the others.
    for (let i = 0; i < n && this.#inFlight.size < limit; i += 1) {
      const a = this.#assigned[(this.#turn + i) % n];
      if (!a || this.#inFlight.has(a.key) || this.#paused.has(a.key)) continue;
      const log = this.#cluster.log(a.topic, a.partition);
      let from = this.#position.get(a.key);
      if (log && from !== undefined && !log.holds(from)) from = this.#outOfRange(a, log, from);
      const fetched = log && from !== undefined ? log.fetch(from, this.#o.maxBatchEntries) : null;
      if (!fetched || !log) continue;
      const work = this.#deliver(a.topic, a.partition, a.key, fetched).finally(() => {
        this.#inFlight.delete(a.key);
        this.#wake();
      });
      this.#inFlight.set(a.key, work);
    }
    this.#turn = n === 0 ? 0 : (this.#turn + 1) % n;
  }

  /** The Kafka adapter's answer to a position the log no longer holds (see judgeOutOfRange). */
  #outOfRange(a: { topic: string; partition: number; key: string }, log: PartitionLog, wanted: number): number {
    const { resumeAt, skipped } = judgeOutOfRange(
      a,
      BigInt(wanted),
      BigInt(log.start),
      BigInt(log.high),
      this.#fromBeginning,
      this.#cluster.clock(),
    );
    this.#position.set(a.key, Number(resumeAt));
    this.#o.health.readFrom(a.topic, a.partition, resumeAt);
    if (skipped) {
      this.#o.health.skipped(skipped);
      if (this.#o.logger) logSkipped(this.#o.logger, skipped);
      try {
        this.#handlers?.onSkipped?.(skipped);
      } catch (err) {
        this.#o.logger?.error({ err: messageOf(err) }, 'onSkipped failed');
      }
    }
    return Number(resumeAt);
  }

  async #deliver(topic: string, partition: number, key: string, fetched: Fetched): Promise<void> {
    // A seek while the batch is in hand decides where the partition is read next, not the batch.
    const seeks = this.#seeks.get(key) ?? 0;
    const isStale = () => (this.#seeks.get(key) ?? 0) !== seeks;
    // Handed over on a later turn of the event loop, as a fetch response would be.
    await new Promise((resolve) => setImmediate(resolve));
    // kafkajs drops what it fetched for a partition paused meanwhile; it is fetched again on resume.
    if (this.#paused.has(key)) return;
    try {
      if (fetched.records.length > 0) await this.#handlers?.eachBatch(recordBatch(topic, partition, fetched.records));
      this.#o.health.batchHandled(topic, partition);
    } catch (err) {
      this.#o.health.batchFailed(topic, partition, err, BigInt(fetched.lastOffset + 1));
      this.#failed = true;
      return;
    }
    if (isStale()) return;
    this.#position.set(key, fetched.lastOffset + 1);
    this.#handlers?.onPosition?.(position(topic, partition, fetched));
  }
}
