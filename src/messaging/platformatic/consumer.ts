import type { Admin, ConnectionPool, Consumer, GroupAssignment } from '@platformatic/kafka';
import { messageOf, releaseAll } from '../../errors/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { ASSIGNING, FETCHING, HealthTracker, JOINING, POSITIONING } from '../consumer-health.ts';
import { judgeOutOfRange, logSkipped } from '../skipped.ts';
import type {
  ConsumerHandlers,
  ConsumerHealth,
  GroupMembership,
  MessageConsumer,
  OffsetCommit,
  TopicPartitions,
} from '../types.ts';
import { guarded, translatePlatformaticError } from './errors.ts';
import { Dispatcher } from './dispatcher.ts';
import { fetchLoop } from './fetch-loop.ts';
import { onMembershipLost } from './membership-lost.ts';
import type { PartitionState, RoundContext } from './fetch-round.ts';
import { PartitionTable } from './partition-table.ts';
import { persist } from './persist.ts';
import { logBounds, startingOffset, startingOffsets, type OffsetReader } from './positions.ts';

/**
 * How long a partition whose batch failed rests before it is read again (kafkajs restarted its
 * whole consumer after about as long): a failure that repeats costs a warning a second, not a loop.
 */
const REWIND_DELAY_MS = 1_000;

/**
 * The client keeps the group membership (join, heartbeats on their own timer, rejoin on a
 * rebalance); the reading is ours: positions per partition, fetched in rounds (fetch-round.ts),
 * so pause, resume, seek and "read again from the committed offset" are plain state changes.
 */
export class PlatformaticConsumer implements MessageConsumer {
  readonly #consumer: Consumer;
  readonly #pool: ConnectionPool;
  readonly #reader: OffsetReader;
  readonly #log: Logger;
  #fromBeginning = true;
  readonly #table: PartitionTable;
  #generation = 0;
  #assignment: Promise<void> = Promise.resolve();
  readonly #dispatcher: Dispatcher;
  #loop: Promise<void> | null = null;
  #closed = false;
  #wake: () => void = () => undefined;
  #unsubscribe: () => void = () => undefined;
  readonly #health: HealthTracker;

  constructor(
    consumer: Consumer,
    pool: ConnectionPool,
    offsetsAdmin: Admin,
    log: Logger,
    options: { partitionsConcurrently?: number | undefined; batchesPerPartition?: number | undefined } = {},
    health = new HealthTracker(),
  ) {
    this.#health = health;
    this.#table = new PartitionTable(options.batchesPerPartition);
    this.#consumer = consumer;
    this.#pool = pool;
    this.#reader = { consumer, admin: offsetsAdmin };
    this.#log = log;
    this.#dispatcher = new Dispatcher(options.partitionsConcurrently ?? 1, () => this.#wake());
  }

  health(): ConsumerHealth {
    return this.#health.health();
  }

  connect(): Promise<void> {
    return guarded('connecting the Kafka consumer', async () => {
      await this.#consumer.metadata({ topics: [] });
    });
  }

  async disconnect(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.#generation += 1;
    this.#table.close();
    this.#wake();
    await this.#loop;
    await this.#dispatcher.settled();
    await guarded('disconnecting the Kafka consumer', () =>
      // Each part is closed whatever the others did: a consumer whose close failed (its leave
      // refused, the broker gone) must not keep its fetch connections and admin client open.
      releaseAll([() => this.#consumer.close(true), () => this.#pool.close(), () => this.#reader.admin.close()]),
    );
  }

  async subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    // A group subscribed to a topic that does not exist would sit idle and say nothing; the
    // metadata request refuses a missing topic (topics are never created on demand here).
    await guarded(`subscribing to ${topics.join(', ')}`, () => this.#consumer.metadata({ topics: [...topics] }));
    this.#fromBeginning = options.fromBeginning ?? true;
    this.#consumer.topics.trackAll(...topics);
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    // The client emits the join with its generation and member id already those of the join.
    this.#consumer.on('consumer:group:join', (p) => this.#onJoin(p.assignments ?? [], this.membership(), handlers));
    // Stop reading at once: the partitions may be about to move to another member.
    this.#consumer.on('consumer:group:rebalance', () => this.#stopReading());
    // Told its membership is over, the member reads nothing more until its next join.
    this.#unsubscribe = onMembershipLost(this.#consumer, (err) => {
      this.#stopReading();
      this.#health.failed(JOINING, err);
      this.#log.warn(
        { err: messageOf(err) },
        'consumer group membership lost (the group has moved on); reading nothing until joined again',
      );
    });
    // The client reports a failed rejoin here and then stops heartbeating: join again ourselves.
    this.#consumer.on('error', (err: unknown) => {
      this.#health.failed(JOINING, err);
      this.#log.warn({ err: messageOf(err) }, 'consumer group membership lost; joining again');
      void this.#join();
    });
    await this.#join();
    this.#loop = this.#fetchLoop(handlers);
  }

  /** No partition is read, nor an assignment still being set up installed, until the next join. */
  #stopReading(): void {
    this.#generation += 1;
    this.#table.clear();
  }

  #join(): Promise<void> {
    return persist(
      async () => {
        await this.#consumer.joinGroup({});
        this.#health.succeeded(JOINING);
      },
      () => !this.#closed,
      (err, attempt) => {
        this.#health.failed(JOINING, err);
        this.#warn(err, JOINING, { attempt });
      },
    );
  }

  #warn(err: unknown, action: string, context: Record<string, unknown> = {}): void {
    const e = translatePlatformaticError(err, action);
    this.#log.warn({ ...context, code: e.code, err: e.message }, `${action} failed; trying again`);
  }

  #onJoin(assignments: readonly GroupAssignment[], membership: GroupMembership, handlers: ConsumerHandlers): void {
    // Joined, whether by this consumer's own call or by the client's rejoin after a lost membership.
    this.#health.succeeded(JOINING);
    const generation = ++this.#generation;
    this.#table.clear();
    const assigned = assignments.map((a) => ({ topic: a.topic, partitions: [...a.partitions] }));
    const run = () => this.#assign(generation, assigned, membership, handlers);
    this.#assignment = this.#assignment.then(run, run);
  }

  /** onAssignment first, then positions from the committed offsets, then the partitions are read. */
  async #assign(
    generation: number,
    assigned: TopicPartitions[],
    membership: GroupMembership,
    handlers: ConsumerHandlers,
  ): Promise<void> {
    const current = () => generation === this.#generation && !this.#closed;
    const { onAssignment } = handlers;
    // A failed assignment (a restore that met an outage) is tried again, never skipped.
    if (onAssignment) {
      await persist(
        async () => {
          await onAssignment(assigned, membership);
          this.#health.succeeded(ASSIGNING);
        },
        current,
        (err, attempt) => {
          this.#health.failed(ASSIGNING, err);
          this.#log.error({ err: messageOf(err), attempt }, `${ASSIGNING} failed; trying again`);
        },
        10_000,
      );
    }
    // Batches of the previous assignment may still commit offsets; start from what they left.
    await this.#dispatcher.settled();
    if (!current()) return;
    const states = this.#table.install(assigned);
    this.#health.holding(states);
    await this.#positionAll(states);
    if (current()) this.#health.assigned();
    this.#wake();
  }

  /** The positions of a new assignment, looked up together (see startingOffsets), retrying outages. */
  #positionAll(states: readonly PartitionState[]): Promise<void> {
    // A seek asked for before the assignment came wins over the committed offset.
    for (const s of states) {
      const seek = this.#table.takeSeek(s);
      if (seek !== undefined) s.position = seek;
    }
    const live = states.filter((s) => s.position === null).map((s) => ({ s, version: s.version }));
    // A seek or a new assignment since replaced the state: its position is no longer ours to set.
    const current = () => live.filter(({ s, version }) => this.#table.isCurrent(s, version)).map(({ s }) => s);
    return persist(
      async () => {
        const looked = await startingOffsets(this.#reader, current(), this.#fromBeginning);
        for (const s of current()) {
          s.position = looked.get(s) ?? s.position;
          if (s.position !== null) this.#health.readFrom(s.topic, s.partition, s.position);
        }
        this.#health.succeeded(POSITIONING);
      },
      () => current().length > 0,
      (err) => {
        this.#health.failed(POSITIONING, err);
        this.#warn(err, `reading the positions of ${live.length} assigned partitions`);
      },
    );
  }

  /** Sets a partition's position from a pending seek or where it starts, retrying outages. */
  #reposition(s: PartitionState): Promise<void> {
    const version = s.version;
    return persist(
      async () => {
        const offset =
          this.#table.takeSeek(s) ?? (await startingOffset(this.#reader, s.topic, s.partition, this.#fromBeginning));
        if (this.#table.isCurrent(s, version)) s.position = offset;
        this.#health.succeeded(POSITIONING);
        this.#health.readFrom(s.topic, s.partition, offset);
        this.#wake();
      },
      () => this.#table.isCurrent(s, version),
      (err) => {
        this.#health.failed(POSITIONING, err);
        this.#warn(err, `reading the position of ${s.topic}/${s.partition}`);
      },
    );
  }

  async #fetchLoop(handlers: ConsumerHandlers): Promise<void> {
    const context: RoundContext = {
      consumer: this.#consumer,
      pool: this.#pool,
      handlers,
      dispatcher: this.#dispatcher,
      isCurrent: (s, version) => this.#table.isCurrent(s, version),
      rewind: (s, err, until) => {
        // Handlers dead-letter bad data themselves; what escapes is infrastructure (a fenced
        // producer, a broker that went away): read the batch again, never stop.
        this.#health.batchFailed(s.topic, s.partition, err, until);
        const where = { topic: s.topic, partition: s.partition, err: messageOf(err) };
        this.#log.warn(where, 'batch handler failed; the partition is read again from its committed offset');
        this.#restart(s, REWIND_DELAY_MS);
      },
      handled: (s) => this.#health.batchHandled(s.topic, s.partition),
      outOfRange: (s, version, wanted) => {
        if (!this.#table.isCurrent(s, version)) return;
        this.#table.invalidate(s, 0);
        void this.#outOfRange(s, wanted, handlers);
      },
    };
    await fetchLoop(context, this.#table, {
      live: () => !this.#closed,
      idle: (ms) => this.#idle(ms),
      onFailure: (err, failures) => {
        this.#health.failed(FETCHING, err);
        if (failures === 1) this.#warn(err, FETCHING);
      },
      onRecovered: () => this.#health.succeeded(FETCHING),
    });
  }

  #restart(s: PartitionState, delayMs: number): void {
    this.#table.invalidate(s, delayMs);
    void this.#reposition(s);
  }

  /**
   * The broker had no offset `wanted`: read on from the log start (or end), as Kafka's reset
   * does, but never silently: the range passed over is logged as an error, kept in health() and
   * handed to onSkipped. An offset back in the log by now (a new leader caught up) is kept.
   */
  #outOfRange(s: PartitionState, wanted: bigint, handlers: ConsumerHandlers): Promise<void> {
    const version = s.version;
    return persist(
      async () => {
        const seek = this.#table.takeSeek(s);
        const bounds = seek === undefined ? await logBounds(this.#consumer, s.topic, s.partition) : null;
        if (!this.#table.isCurrent(s, version)) return;
        const verdict = bounds
          ? judgeOutOfRange(s, wanted, bounds.start, bounds.end, this.#fromBeginning, Date.now())
          : { resumeAt: seek ?? wanted, skipped: null };
        s.position = verdict.resumeAt;
        this.#health.succeeded(POSITIONING);
        this.#health.readFrom(s.topic, s.partition, verdict.resumeAt);
        if (verdict.skipped) {
          this.#health.skipped(verdict.skipped);
          logSkipped(this.#log, verdict.skipped);
          try {
            handlers.onSkipped?.(verdict.skipped);
          } catch (err) {
            this.#log.error({ err: messageOf(err), topic: s.topic, partition: s.partition }, 'onSkipped failed');
          }
        }
        this.#wake();
      },
      () => this.#table.isCurrent(s, version),
      (err) => {
        this.#health.failed(POSITIONING, err);
        this.#warn(err, `reading the log start and end of ${s.topic}/${s.partition}`);
      },
    );
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  commitOffsets(offsets: readonly OffsetCommit[]): Promise<void> {
    const list = offsets.map((o) => ({ ...o, offset: BigInt(o.offset), leaderEpoch: -1 }));
    return guarded('committing consumer offsets', () => this.#consumer.commit({ offsets: list }));
  }

  membership(): GroupMembership {
    const c = this.#consumer;
    return {
      groupId: c.groupId,
      generationId: c.generationId,
      memberId: c.memberId ?? '',
      groupInstanceId: c.groupInstanceId,
    };
  }

  pause(parts: readonly TopicPartitions[]): void {
    this.#table.pause(parts);
  }

  resume(parts: readonly TopicPartitions[]): void {
    this.#table.resume(parts);
    this.#wake();
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#table.seek(topic, partition, BigInt(offset));
    this.#wake();
  }
}
