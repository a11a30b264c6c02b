import { messageOf } from '../errors/index.ts';
import type { ConsumerHealth, SkippedRecords } from './types.ts';

// What a consumer keeps trying, as its health names it.
export const JOINING = 'joining the consumer group';
export const ASSIGNING = 'handling the assignment';
export const POSITIONING = 'reading positions';
export const FETCHING = 'fetching';
const HANDLING = 'handling batches of';
export const handlingOf = (topic: string, partition: number): string => `${HANDLING} ${topic}/${partition}`;

/**
 * How long something a consumer keeps trying (joining its group, taking an assignment, reading
 * positions, fetching, handling a partition's batches) may fail before the consumer reports
 * itself failing. A rebalance or a broker's restart passes well within it; a stall does not.
 */
export const FAILING_AFTER_MS = 15_000;

/** How many skips a consumer's health keeps, the latest: enough for any owner to have seen each. */
const SKIPPED_KEPT = 100;

/**
 * What a consumer is failing at, per activity. A consumer never gives up (giving up would stop it
 * for good while the process looks alive), so this is how its trouble reaches readiness, a
 * metric and `closeloop health` instead of a log line only.
 */
export class HealthTracker {
  readonly #failing = new Map<string, { since: number; message: string }>();
  /** Per partition whose batch failed (as handlingOf names it): past that batch's last record. */
  readonly #failedUntil = new Map<string, bigint>();
  readonly #afterMs: number;
  readonly #clock: () => number;
  #assigned = false;
  readonly #skipped: SkippedRecords[] = [];

  constructor(afterMs = FAILING_AFTER_MS, clock: () => number = Date.now) {
    this.#afterMs = afterMs;
    this.#clock = clock;
  }

  /** The first assignment was taken: from now on the consumer reads. */
  assigned(): void {
    this.#assigned = true;
  }

  failed(activity: string, err: unknown): void {
    const since = this.#failing.get(activity)?.since ?? this.#clock();
    this.#failing.set(activity, { since, message: messageOf(err) });
  }

  succeeded(activity: string): void {
    this.#failing.delete(activity);
  }

  /** A partition's batch, up to `until` (past its last record), failed in the handler. */
  batchFailed(topic: string, partition: number, err: unknown, until: bigint): void {
    this.failed(handlingOf(topic, partition), err);
    this.#failedUntil.set(handlingOf(topic, partition), until);
  }

  /** A partition's batch was handled: nothing that failed with it is left in hand. */
  batchHandled(topic: string, partition: number): void {
    this.#failedUntil.delete(handlingOf(topic, partition));
    this.succeeded(handlingOf(topic, partition));
  }

  /** The consumer passed over records it never handed to its handler (see SkippedRecords). */
  skipped(s: SkippedRecords): void {
    this.#skipped.push(s);
    if (this.#skipped.length > SKIPPED_KEPT) this.#skipped.shift();
  }

  /**
   * The partition will be read from `position`. A batch whose handler failed after its offsets
   * were committed (a transaction whose answer was lost) is not read again: from a position past
   * it, it is behind us.
   */
  readFrom(topic: string, partition: number, position: bigint): void {
    const until = this.#failedUntil.get(handlingOf(topic, partition));
    if (until !== undefined && position >= until) this.batchHandled(topic, partition);
  }

  /**
   * At an assignment: forgets the trouble with batches of partitions this member no longer holds
   * (another member reads them now), keeping that of partitions it still holds.
   */
  holding(partitions: readonly { topic: string; partition: number }[]): void {
    const held = new Set(partitions.map((p) => handlingOf(p.topic, p.partition)));
    for (const activity of [...this.#failing.keys()])
      if (activity.startsWith(HANDLING) && !held.has(activity)) {
        this.#failing.delete(activity);
        this.#failedUntil.delete(activity);
      }
  }

  /**
   * Failing when anything has failed for FAILING_AFTER_MS: the reason quotes the oldest failure
   * and names every other activity failing as long, so two stalled partitions are both named.
   * The skips met so far come with it, whatever the state.
   */
  health(): ConsumerHealth {
    const skipped = this.#skipped.length > 0 ? { skipped: [...this.#skipped] } : {};
    return { ...this.#state(), ...skipped };
  }

  #state(): ConsumerHealth {
    const now = this.#clock();
    const failing = [...this.#failing]
      .filter(([, f]) => now - f.since >= this.#afterMs)
      .sort(([, a], [, b]) => a.since - b.since);
    const [oldest, ...others] = failing;
    if (oldest) {
      const [activity, { since, message }] = oldest;
      const also = others.length > 0 ? `; also failing: ${others.map(([a]) => a).join(', ')}` : '';
      return { state: 'failing', failingForMs: now - since, reason: `${activity}: ${message}${also}` };
    }
    return { state: this.#assigned ? 'reading' : 'starting', failingForMs: 0, reason: null };
  }
}

/**
 * A consumer's health with the trouble of what works beside it (a processor's timer sweeps, its
 * watch on partition counts): failing when any is, the longest-failing quoted first and every
 * other named after it.
 */
export function withTrouble(consumer: ConsumerHealth, others: readonly (ConsumerHealth | null)[]): ConsumerHealth {
  const failing = [consumer, ...others]
    .filter((h): h is ConsumerHealth => h?.state === 'failing')
    .sort((a, b) => b.failingForMs - a.failingForMs);
  const [first, ...rest] = failing;
  if (!first) return consumer;
  const reason = [first.reason, ...rest.map((h) => `also ${h.reason}`)].join('; ');
  // The records the consumer skipped stay in its health whatever else fails.
  const skipped = consumer.skipped ? { skipped: consumer.skipped } : {};
  return { state: 'failing', failingForMs: first.failingForMs, reason, ...skipped };
}
