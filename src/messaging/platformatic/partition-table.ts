import type { TopicPartitions } from '../types.ts';
import type { PartitionState } from './fetch-round.ts';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The partitions a member reads and where: replaced whole at every assignment, so a batch or a
 * position lookup of an earlier one can tell it no longer counts. Pauses outlive assignments, as
 * kafkajs's did; a seek for a partition not (yet) held waits for it.
 */
export class PartitionTable {
  readonly #states = new Map<string, PartitionState>();
  readonly #paused = new Set<string>();
  readonly #seeks = new Map<string, bigint>();
  #closed = false;
  readonly #perPartition: number;

  /** `batchesPerPartition`: how many of a partition's batches may be in hand at once. */
  constructor(batchesPerPartition = 1) {
    this.#perPartition = Math.max(1, batchesPerPartition);
  }

  close(): void {
    this.#closed = true;
    this.#states.clear();
  }

  clear(): void {
    this.#states.clear();
  }

  install(assigned: readonly TopicPartitions[]): PartitionState[] {
    this.#states.clear();
    const states = assigned.flatMap(({ topic, partitions }) =>
      partitions.map((partition): PartitionState => ({
        topic,
        partition,
        position: null,
        version: 0,
        retryAt: 0,
        inHand: 0,
        inHandVersion: 0,
        reported: -1n,
      })),
    );
    for (const s of states) this.#states.set(key(s.topic, s.partition), s);
    return states;
  }

  isCurrent(s: PartitionState, version: number): boolean {
    return !this.#closed && this.#states.get(key(s.topic, s.partition)) === s && s.version === version;
  }

  /**
   * The partitions to fetch now: positioned, not paused, not resting after a failure, with room
   * for another batch in hand. Batches in hand from before a rewind or seek must all settle
   * first, so records read again never overlap the ones still being handled.
   */
  ready(now: number): PartitionState[] {
    return [...this.#states.values()].filter(
      (s) =>
        s.position !== null &&
        s.retryAt <= now &&
        !this.#heldByHandler(s) &&
        !this.#paused.has(key(s.topic, s.partition)),
    );
  }

  /** Some partition is not read until batches of it in hand are handled (see ready). */
  waitingOnHandler(): boolean {
    for (const s of this.#states.values()) if (this.#heldByHandler(s)) return true;
    return false;
  }

  #heldByHandler(s: PartitionState): boolean {
    return s.inHand > 0 && !(s.inHand < this.#perPartition && s.inHandVersion === s.version);
  }

  takeSeek(s: PartitionState): bigint | undefined {
    const k = key(s.topic, s.partition);
    const offset = this.#seeks.get(k);
    this.#seeks.delete(k);
    return offset;
  }

  /** Forgets the position (to be looked up again) and makes batches in hand stale. */
  invalidate(s: PartitionState, restAfterMs: number): void {
    s.version += 1;
    s.position = null;
    s.retryAt = Date.now() + restAfterMs;
  }

  pause(parts: readonly TopicPartitions[]): void {
    for (const p of parts) for (const n of p.partitions) this.#paused.add(key(p.topic, n));
  }

  resume(parts: readonly TopicPartitions[]): void {
    for (const p of parts) for (const n of p.partitions) this.#paused.delete(key(p.topic, n));
  }

  seek(topic: string, partition: number, offset: bigint): void {
    const s = this.#states.get(key(topic, partition));
    if (!s) {
      this.#seeks.set(key(topic, partition), offset);
      return;
    }
    s.version += 1;
    s.position = offset;
    s.retryAt = 0;
  }
}
