import { messageOf } from '../errors/index.ts';
import type { ConsumerHealth, MessageConsumer, Messaging, TopicPartitions } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ensureCursorTopic } from './source-cursor.ts';

/**
 * Where a worker stands with the source lease: `joining` until its first assignment is handled,
 * then `holding` (it runs the source) or `standby` (another worker does); `stopped` before start
 * and after stop.
 */
export type SourceLeaseState = 'stopped' | 'joining' | 'holding' | 'standby';

export interface SourceLeaseOptions {
  readonly messaging: Messaging;
  /** The source whose lease this is: each source has its own (see WorkerSources). */
  readonly connector: string;
  /** The lease's consumer group, `<processor.groupId>.<connector>-source`. */
  readonly groupId: string;
  /** The cursors topic: it has one partition, and the member given partition 0 holds the lease. */
  readonly topic: string;
  /** A holder that dies is replaced within it (the processor's session timeout). */
  readonly sessionTimeoutMs?: number;
  readonly failingAfterMs?: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /**
   * Starts the source. A throw leaves the lease not held and fails the assignment, which the
   * consumer tries again (and its health reports while it lasts), so it must undo what it started.
   */
  gained(): Promise<void>;
  /** Stops the source, awaited before the lease counts as given up. A throw is logged. */
  lost(): Promise<void>;
  /**
   * The lease assigned again to the worker that holds it. A member whose session lapsed (a long
   * pause) is not told it lost the lease; if it is given it back after another worker ran the
   * source meanwhile, its runner was fenced by that one, and is made to claim its id back now
   * rather than after its fenced wait. A throw is logged.
   */
  regained?(): Promise<void>;
}

const PARTITION = 0;

/**
 * Which worker of an installation runs a source: the one member of the source's consumer group on the
 * cursors topic that Kafka assigns the topic's partition, as Kafka Connect deals out its tasks.
 * The others stand by; when the holder stops (or dies and its session runs out) the group
 * rebalances and one of them takes over. Nothing is read from the partition for its own sake and
 * no offset is ever committed: the assignment is the lease.
 *
 * A handover may overlap for a moment (the old holder stops while the new one starts); the
 * source runner's transactional id guards it: the runner that starts fences the old one and reads
 * the stored cursor, so nothing is published twice or skipped.
 */
export class SourceLease {
  readonly #o: SourceLeaseOptions;
  readonly #log: Logger;
  #consumer: MessageConsumer | null = null;
  #state: SourceLeaseState = 'stopped';
  #stopping = false;
  /** Transitions one after the other: a loss is never handled while a gain is still starting. */
  #turn: Promise<void> = Promise.resolve();
  #settle: () => void = () => undefined;
  #settled: Promise<void> = Promise.resolve();

  constructor(options: SourceLeaseOptions) {
    this.#o = options;
    this.#log = options.logger.child({
      component: 'source-lease',
      connector: options.connector,
      groupId: options.groupId,
    });
  }

  get state(): SourceLeaseState {
    return this.#state;
  }

  /** The lease consumer's health (see ConsumerHealth); null when it is not running. */
  health(): ConsumerHealth | null {
    return this.#consumer?.health() ?? null;
  }

  /** Joins the group; the first assignment comes later (see settled()). */
  async start(): Promise<void> {
    this.#stopping = false;
    this.#state = 'joining';
    this.#settled = new Promise((resolve) => (this.#settle = resolve));
    this.#held(0);
    const consumer = this.#o.messaging.consumer({
      groupId: this.#o.groupId,
      ...(this.#o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: this.#o.sessionTimeoutMs } : {}),
      ...(this.#o.failingAfterMs !== undefined ? { failingAfterMs: this.#o.failingAfterMs } : {}),
    });
    this.#consumer = consumer;
    // The processor provisions it; a worker started before that (or on its own) must not fail here.
    const admin = this.#o.messaging.admin();
    await admin.connect();
    try {
      await ensureCursorTopic(admin, this.#o.topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await consumer.connect();
    // From the end: the cursor records are not the lease's business, and none is ever committed.
    await consumer.subscribe([this.#o.topic], { fromBeginning: false });
    await consumer.run({ eachBatch: async () => undefined, onAssignment: (a) => this.#assigned(a) });
  }

  /**
   * Resolves once the first assignment was handled (the source started, or standing by), or
   * after `timeoutMs`: the group may be waiting out a dead member's session.
   */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.#settled, late]);
    clearTimeout(timer);
  }

  /** Stops the source first (so the next holder fences nothing), then leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const held = this.#turn.then(async () => {
      if (this.#state === 'holding') await this.#lose('this worker is stopping');
    });
    this.#turn = held;
    await held;
    await this.#consumer?.disconnect().catch((err: unknown) => {
      this.#log.warn({ err: messageOf(err) }, 'leaving the source lease group failed');
    });
    this.#consumer = null;
    this.#state = 'stopped';
    this.#held(0);
    this.#settle();
  }

  #held(value: 0 | 1): void {
    this.#o.metrics?.sourceLeaseHeld.set({ connector: this.#o.connector }, value);
  }

  #assigned(assigned: readonly TopicPartitions[]): Promise<void> {
    const holds = assigned.some((a) => a.topic === this.#o.topic && a.partitions.includes(PARTITION));
    const step = this.#turn.then(() => this.#apply(holds));
    // The next transition waits for this one, whether or not it failed.
    this.#turn = step.catch(() => undefined);
    return step;
  }

  async #apply(holds: boolean): Promise<void> {
    if (this.#stopping) return;
    if (holds && this.#state !== 'holding') {
      try {
        await this.#o.gained();
      } catch (err) {
        this.#log.error({ err: messageOf(err) }, 'source lease gained, but the source did not start; trying again');
        throw err;
      }
      this.#state = 'holding';
      this.#held(1);
      this.#log.info({ topic: this.#o.topic }, 'source lease gained: this worker runs the source');
    } else if (holds && this.#state === 'holding') {
      await this.#o.regained?.().catch((err: unknown) => {
        this.#log.error({ err: messageOf(err) }, 'restarting the source after the source lease came again failed');
      });
    } else if (!holds && this.#state === 'holding') {
      await this.#lose('another worker was given it');
    } else if (!holds && this.#state === 'joining') {
      this.#state = 'standby';
      this.#log.info({ topic: this.#o.topic }, 'source lease held by another worker: standing by');
    }
    this.#settle();
  }

  async #lose(why: string): Promise<void> {
    this.#state = 'standby';
    this.#held(0);
    await this.#o.lost().catch((err: unknown) => {
      this.#log.error({ err: messageOf(err) }, 'stopping the source after the source lease was lost failed');
    });
    this.#log.info({ topic: this.#o.topic, why }, 'source lease lost: the source stopped here');
  }
}
