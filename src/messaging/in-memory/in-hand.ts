/** A partition's batches in hand and the version they were fetched at. */
interface Lane {
  readonly version: number;
  readonly work: Set<Promise<void>>;
}

/**
 * The batches of each partition a consumer has in hand, as the Kafka adapter's partition table
 * counts them (platformatic/partition-table.ts). A partition's version is bumped by a seek and
 * by a failed batch: its batches in hand then no longer decide where it is read, and no newer
 * one is fetched before they all settle, so records read again never overlap ones in hand.
 */
export class BatchesInHand {
  readonly #lanes = new Map<string, Lane>();
  readonly #versions = new Map<string, number>();
  readonly #perPartition: number;

  /** `perPartition`: batchesPerPartition, how many of a partition's batches may be in hand. */
  constructor(perPartition = 1) {
    this.#perPartition = Math.max(1, perPartition);
  }

  version(key: string): number {
    return this.#versions.get(key) ?? 0;
  }

  bump(key: string): void {
    this.#versions.set(key, this.version(key) + 1);
  }

  /** How many partitions have a batch in hand (what partitionsConcurrently bounds). */
  get partitions(): number {
    return this.#lanes.size;
  }

  holds(key: string): boolean {
    return this.#lanes.has(key);
  }

  /** Whether a partition with batches in hand may have one more: room, and all of them current. */
  hasRoom(key: string): boolean {
    const lane = this.#lanes.get(key);
    return lane !== undefined && lane.work.size < this.#perPartition && lane.version === this.version(key);
  }

  /**
   * Holds `work`, a batch of the partition, until it settles; then `after` is told whether it
   * was the partition's last in hand.
   */
  add(key: string, work: Promise<void>, after: (emptied: boolean) => void): void {
    const lane = this.#lanes.get(key) ?? { version: this.version(key), work: new Set<Promise<void>>() };
    this.#lanes.set(key, lane);
    const held: Promise<void> = work.finally(() => {
      lane.work.delete(held);
      const emptied = lane.work.size === 0 && this.#lanes.get(key) === lane;
      if (emptied) this.#lanes.delete(key);
      after(emptied);
    });
    lane.work.add(held);
  }

  /** Resolves once every batch in hand, of every partition, has settled. */
  async settled(): Promise<void> {
    while (this.#lanes.size > 0) await Promise.all([...this.#lanes.values()].flatMap((l) => [...l.work]));
  }
}
