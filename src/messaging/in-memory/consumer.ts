import { messageOf } from '../../errors/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { ASSIGNING, type HealthTracker } from '../consumer-health.ts';
import { judgeOutOfRange, logSkipped } from '../skipped.ts';
import type {
  ConsumerHandlers,
  ConsumerHealth,
  GroupMembership,
  MessageConsumer,
  OffsetCommit,
  TopicPartitions,
} from '../types.ts';
import { position, recordBatch } from './batch.ts';
import type { Cluster } from './cluster.ts';
import { tp, type Group, type GroupMember } from './group.ts';
import { BatchesInHand } from './in-hand.ts';
import type { Fetched, PartitionLog } from './log.ts';

export interface InMemoryConsumerOptions {
  readonly groupId: string;
  readonly coPartitioned?: boolean;
  readonly partitionsConcurrently?: number;
  /** How many batches of one partition may be in hand at once (default 1), as in the port. */
  readonly batchesPerPartition?: number;
  /** Entries (records, markers, aborted records) one batch covers at most. */
  readonly maxBatchEntries: number;
  /** Bytes of records one batch carries at most, the first record whatever its size. */
  readonly maxBatchBytes: number;
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
 * the group's generation moves it rejoins at once, calls onAssignment once the last one has
 * ended (again and again, the member keeping its partitions, until it succeeds), takes the
 * committed offsets as positions once the batches in hand are done, then hands each partition's
 * committed data over batch by batch, several partitions at once up to partitionsConcurrently,
 * and up to batchesPerPartition batches of one partition, each fetched from where the last one
 * ended. A batch handler that throws sends only its own partition back to its committed offset,
 * after a rest, once every batch of it in hand has settled; the other partitions read on and the
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
  /**
   * The generation whose partitions this member holds, the last one it rejoined for, and the
   * last whose assignment it queued: assignments are taken one after the other, on #assignment.
   */
  #generation = 0;
  #rejoined = 0;
  #queued = 0;
  /** The generation of this member's last completed join, as a Kafka client knows it. */
  #joined = 0;
  #assignment: Promise<void> = Promise.resolve();
  #assigned: { topic: string; partition: number; key: string }[] = [];
  #turn = 0;
  /** Where each partition's next batch is fetched from: past the last one handed over. */
  readonly #position = new Map<string, number>();
  /** Seeks of partitions not held when asked for, taken if they come (as the Kafka adapter's). */
  readonly #pendingSeeks = new Map<string, number>();
  readonly #paused = new Set<string>();
  readonly #inHand: BatchesInHand;
  /** Partitions resting after a failed batch, each with the timer that ends its rest. */
  readonly #resting = new Map<string, NodeJS.Timeout>();
  #dirty = false;
  #signal: (() => void) | null = null;

  constructor(cluster: Cluster, options: InMemoryConsumerOptions) {
    this.#cluster = cluster;
    this.#o = options;
    this.#inHand = new BatchesInHand(options.batchesPerPartition);
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

  membership(): GroupMembership {
    return { groupId: this.#group.id, generationId: this.#joined, memberId: this.#member.id, groupInstanceId: null };
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
    this.#inHand.bump(key);
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
    await this.#assignment;
    await this.#inHand.settled();
  }

  async #step(): Promise<void> {
    const group = this.#group;
    const generation = group.generation;
    // A new generation is joined at once, batches in hand or an onAssignment running, as the
    // Kafka adapter's client rejoins on its own heartbeat; nothing is read meanwhile, as the
    // partitions may be about to move (see #sync for what waits for the work in hand).
    if (this.#rejoined !== generation) {
      this.#rejoined = generation;
      this.#assigned = [];
      group.rejoin(this.#member.id, generation);
    }
    const assigned = this.#queued === generation ? null : group.assignmentOf(this.#member.id, generation);
    if (assigned) {
      this.#queued = generation;
      this.#joined = generation;
      const take = () => this.#sync(generation, assigned).finally(() => this.#wake());
      this.#assignment = this.#assignment.then(take, take);
    }
    if (this.#generation === generation) this.#dispatch();
  }

  /**
   * Takes a generation's assignment, as the Kafka adapter does: onAssignment once the last
   * assignment's has ended, while batches of the last generation may still be in hand, then,
   * once those are done, positions from the committed offsets (what they and onAssignment
   * committed), kept partitions too. An assignment whose generation has moved on is passed over.
   */
  async #sync(generation: number, assigned: TopicPartitions[]): Promise<void> {
    if (this.#stopping || this.#group.generation !== generation) return;
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
    await this.#inHand.settled();
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
        await this.#handlers?.onAssignment?.(assigned, { ...this.membership(), generationId: generation });
        this.#o.health.succeeded(ASSIGNING);
        return current();
      } catch (err) {
        this.#o.health.failed(ASSIGNING, err);
        await new Promise((resolve) => setTimeout(resolve, this.#o.rewindDelayMs));
      }
    }
    return false;
  }

  /**
   * The committed offset, else the log's start or its end (as subscribed), reported to health.
   * The end is the last stable offset, as Kafka lists the latest offset to a read_committed
   * consumer: a transaction still open is read once it commits, not passed over.
   */
  #startingPosition(topic: string, partition: number): number {
    const log = this.#cluster.log(topic, partition);
    const at = this.#group.committed(topic, partition) ?? (this.#fromBeginning ? log?.start : log?.lastStable) ?? 0;
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
      this.#lookUp(topic, partition, key);
      this.#wake();
    }, this.#o.rewindDelayMs);
    this.#resting.set(key, rest);
  }

  /**
   * A rewound partition's position, once its rest is over and no batch of it is in hand: the
   * committed offset as it is then, with whatever those batches committed, as the Kafka adapter
   * looks it up only when the partition may be fetched again.
   */
  #lookUp(topic: string, partition: number, key: string): void {
    if (this.#resting.has(key) || this.#inHand.holds(key) || this.#position.has(key)) return;
    if (!this.#assigned.some((a) => a.key === key)) return;
    this.#position.set(key, this.#startingPosition(topic, partition));
  }

  #endRests(): void {
    for (const t of this.#resting.values()) clearTimeout(t);
    this.#resting.clear();
  }

  /**
   * Hands over what may be: first a batch of each partition with none in hand, up to
   * partitionsConcurrently, starting one further each time so a busy partition cannot starve the
   * others; then, unless one of those waits for a slot, a further batch of each partition that
   * has room (batchesPerPartition), as the Kafka adapter's dispatcher gives them.
   */
  #dispatch(): void {
    const limit = Math.max(1, this.#o.partitionsConcurrently ?? 1);
    const n = this.#assigned.length;
    const order = Array.from({ length: n }, (_, i) => this.#assigned[(this.#turn + i) % n]).filter(
      (a) => a !== undefined,
    );
    this.#turn = n === 0 ? 0 : (this.#turn + 1) % n;
    let waiting = false;
    for (const a of order) {
      if (this.#inHand.holds(a.key) || !this.#readable(a.key)) continue;
      const fetched = this.#fetch(a);
      if (!fetched) continue;
      if (this.#inHand.partitions >= limit) waiting = true;
      else this.#handOver(a, fetched);
    }
    if (waiting) return;
    for (const a of order) {
      if (!this.#inHand.hasRoom(a.key) || !this.#readable(a.key)) continue;
      const fetched = this.#fetch(a);
      if (fetched) this.#handOver(a, fetched);
    }
  }

  /** Not paused, not resting after a failure, and positioned. */
  #readable(key: string): boolean {
    return !this.#paused.has(key) && !this.#resting.has(key) && this.#position.has(key);
  }

  /** The partition's next batch from its position, or null when it has nothing more yet. */
  #fetch(a: { topic: string; partition: number; key: string }): Fetched | null {
    const log = this.#cluster.log(a.topic, a.partition);
    let from = this.#position.get(a.key);
    if (!log || from === undefined) return null;
    if (!log.holds(from)) from = this.#outOfRange(a, log, from);
    return log.fetch(from, { entries: this.#o.maxBatchEntries, bytes: this.#o.maxBatchBytes });
  }

  /** The batch is in hand from here: the partition's next one is fetched from past it. */
  #handOver(a: { topic: string; partition: number; key: string }, fetched: Fetched): void {
    this.#position.set(a.key, fetched.lastOffset + 1);
    this.#inHand.add(a.key, this.#deliver(a.topic, a.partition, a.key, fetched), (emptied) => {
      if (emptied) this.#lookUp(a.topic, a.partition, a.key);
      this.#wake();
    });
    // Another batch of it may be fetched at once, while this one is in hand.
    this.#dirty = true;
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
    // A seek or a failed batch while this one is in hand decides where the partition is read
    // next, not this batch; a new generation, where every partition is read next.
    const version = this.#inHand.version(key);
    const generation = this.#generation;
    const isStale = () => this.#inHand.version(key) !== version || this.#generation !== generation;
    // Handed over on a later turn of the event loop, as a fetch response would be, and so after
    // the partition's batches fetched before it. A pause meanwhile stops the next fetch, not this
    // batch, as in the Kafka adapter.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      if (fetched.records.length > 0) await this.#handlers?.eachBatch(recordBatch(topic, partition, fetched.records));
      if (!isStale()) this.#o.health.batchHandled(topic, partition);
    } catch (err) {
      if (isStale()) return;
      this.#o.health.batchFailed(topic, partition, err, BigInt(fetched.lastOffset + 1));
      this.#inHand.bump(key);
      this.#rewind(topic, partition, key);
      return;
    }
    if (isStale()) return;
    this.#handlers?.onPosition?.(position(topic, partition, fetched));
  }
}
