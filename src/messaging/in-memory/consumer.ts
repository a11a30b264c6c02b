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
  /**
   * How long a partition whose batch handler failed rests before it is read again from its
   * committed offset, and an assignment whose handler failed before it is tried again (the Kafka
   * adapter rests a partition 1 s and backs an assignment off up to 10 s).
   */
  readonly rewindDelayMs: number;
  readonly health: HealthTracker;
  /** Where skipped records are logged, as the Kafka adapter logs them; not logged without. */
  readonly logger?: Logger;
}

/**
 * A group member, doing what the Kafka adapter's consumer does (platformatic/consumer.ts): when
 * the group's generation moves it rejoins (once the batches in hand finish), calls onAssignment
 * (again and again, the member keeping its partitions, until it succeeds), takes the committed
 * offsets as positions, then hands each partition's committed data over batch by batch, several
 * partitions at once up to partitionsConcurrently. A batch handler that throws sends only its
 * own partition back to its committed offset, after a rest; the other partitions read on and the
 * group does not move. One loop per member waits for writes and other changes to be signalled;
 * nothing polls.
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
  /** The generation whose partitions this member holds, and the last one it rejoined for. */
  #generation = 0;
  #rejoined = 0;
  #assigned: { topic: string; partition: number; key: string }[] = [];
  #turn = 0;
  readonly #position = new Map<string, number>();
  /** Seeks made, per partition, so a batch in hand knows one came (see #deliver). */
  readonly #seeks = new Map<string, number>();
  /** Seeks of partitions not held when asked for, taken if they come (as the Kafka adapter's). */
  readonly #pendingSeeks = new Map<string, number>();
  readonly #paused = new Set<string>();
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Partitions resting after a failed batch, each with the timer that ends its rest. */
  readonly #resting = new Map<string, NodeJS.Timeout>();
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
    this.#endRests();
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
    if (this.#assigned.some((a) => a.key === key)) this.#position.set(key, Number(offset));
    else this.#pendingSeeks.set(key, Number(offset));
    // A seek wins over a rest, as over the committed offset the rest would end at.
    clearTimeout(this.#resting.get(key));
    this.#resting.delete(key);
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
    // A new generation is joined at once, batches in hand or not, as the Kafka adapter's client
    // rejoins as soon as it hears of a rebalance (see #sync for what waits for them).
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

  /**
   * Takes a generation's assignment, as the Kafka adapter does: onAssignment at once, while
   * batches of the last generation may still be in hand, then, once those are done, positions
   * from the committed offsets (what they and onAssignment committed), kept partitions too.
   */
  async #sync(generation: number, assigned: TopicPartitions[]): Promise<void> {
    this.#generation = generation;
    this.#position.clear();
    this.#endRests();
    // Nothing is held, or read, until onAssignment has succeeded; a seek meanwhile is pending.
    this.#assigned = [];
    const held = assigned.flatMap((a) =>
      a.partitions.map((p) => ({ topic: a.topic, partition: p, key: tp(a.topic, p) })),
    );
    this.#o.health.holding(held);
    if (!(await this.#assign(generation, assigned))) return;
    await Promise.all(this.#inFlight.values());
    if (this.#stopping || this.#group.generation !== generation) return;
    this.#assigned = held;
    for (const { topic, partition, key } of held) {
      const seek = this.#pendingSeeks.get(key);
      this.#pendingSeeks.delete(key);
      if (seek !== undefined) this.#o.health.readFrom(topic, partition, BigInt(seek));
      this.#position.set(key, seek ?? this.#startingPosition(topic, partition));
    }
    this.#o.health.assigned();
  }

  /** Calls onAssignment until it succeeds, resting between tries; false when the generation moved on first. */
  async #assign(generation: number, assigned: TopicPartitions[]): Promise<boolean> {
    const current = () => !this.#stopping && this.#group.generation === generation;
    while (current()) {
      try {
        await this.#handlers?.onAssignment?.(assigned);
        this.#o.health.succeeded(ASSIGNING);
        return current();
      } catch (err) {
        this.#o.health.failed(ASSIGNING, err);
        await new Promise((resolve) => setTimeout(resolve, this.#o.rewindDelayMs));
      }
    }
    return false;
  }

  /** The committed offset, else the log's start or end (as subscribed), reported to health. */
  #startingPosition(topic: string, partition: number): number {
    const log = this.#cluster.log(topic, partition);
    const at = this.#group.committed(topic, partition) ?? (this.#fromBeginning ? log?.start : log?.high) ?? 0;
    this.#o.health.readFrom(topic, partition, BigInt(at));
    return at;
  }

  /**
   * A failed batch's partition rests, then reads from its committed offset (a seek meanwhile
   * wins): what the batch left uncommitted comes again, and nothing of other partitions does.
   */
  #rewind(topic: string, partition: number, key: string): void {
    this.#position.delete(key);
    // A seek, a new generation or a disconnect clears the timer; when it fires, nothing did.
    clearTimeout(this.#resting.get(key));
    const rest = setTimeout(() => {
      this.#resting.delete(key);
      this.#position.set(key, this.#startingPosition(topic, partition));
      this.#wake();
    }, this.#o.rewindDelayMs);
    this.#resting.set(key, rest);
  }

  #endRests(): void {
    for (const t of this.#resting.values()) clearTimeout(t);
    this.#resting.clear();
  }

  #dispatch(): void {
    const limit = Math.max(1, this.#o.partitionsConcurrently ?? 1);
    const n = this.#assigned.length;
    // Starting one further each time, so a busy partition cannot starve the others.
    for (let i = 0; i < n && this.#inFlight.size < limit; i += 1) {
      const a = this.#assigned[(this.#turn + i) % n];
      if (!a || this.#inFlight.has(a.key) || this.#paused.has(a.key) || this.#resting.has(a.key)) continue;
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
    // A seek while the batch is in hand decides where the partition is read next, not the batch;
    // a new generation, where every partition is read next.
    const seeks = this.#seeks.get(key) ?? 0;
    const generation = this.#generation;
    const isStale = () => (this.#seeks.get(key) ?? 0) !== seeks || this.#generation !== generation;
    // Handed over on a later turn of the event loop, as a fetch response would be. A pause
    // meanwhile stops the next fetch, not this batch, as in the Kafka adapter.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      if (fetched.records.length > 0) await this.#handlers?.eachBatch(recordBatch(topic, partition, fetched.records));
      if (!isStale()) this.#o.health.batchHandled(topic, partition);
    } catch (err) {
      if (isStale()) return;
      this.#o.health.batchFailed(topic, partition, err, BigInt(fetched.lastOffset + 1));
      this.#rewind(topic, partition, key);
      return;
    }
    if (isStale()) return;
    this.#position.set(key, fetched.lastOffset + 1);
    this.#handlers?.onPosition?.(position(topic, partition, fetched));
  }
}
