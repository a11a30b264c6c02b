import type { PartitionState } from './fetch-round.ts';

/**
 * Hands fetched batches to the handler, of up to `concurrency` partitions at once, in the order
 * they were fetched: a partition's batches start in offset order. A partition's batch is in hand
 * from its fetch until it is handled; the partition table decides how many may be
 * (batchesPerPartition). Given a slot for each partition, no partition waits for another's batch:
 * the fetch loop reads a partition again as soon as it may, so a slow batch (a slow department,
 * a long transaction) holds back only its own partition. With fewer slots than partitions, a
 * partition waiting for a slot goes before the further batches of those that hold one.
 */
export class Dispatcher {
  readonly #concurrency: number;
  readonly #queue: { s: PartitionState; run: () => Promise<void> }[] = [];
  readonly #running = new Set<Promise<void>>();
  /** Batches running per partition: a partition's further batches take no slot of their own. */
  readonly #partitions = new Map<PartitionState, number>();
  readonly #onFree: () => void;

  /** `concurrency`: partitions whose batches may be in the handler at once. */
  constructor(concurrency: number, onFree: () => void) {
    this.#concurrency = Math.max(1, concurrency);
    this.#onFree = onFree;
  }

  /** Runs `work` (a batch of the partition at `version`) when a slot is free; in hand until it ends. */
  submit(s: PartitionState, version: number, work: () => Promise<void>): void {
    s.inHand += 1;
    s.inHandVersion = version;
    this.#queue.push({
      s,
      run: async () => {
        try {
          await work();
        } finally {
          s.inHand -= 1;
          this.#onFree();
        }
      },
    });
    this.#next();
  }

  /** Any batch in hand or waiting for a slot. */
  get active(): boolean {
    return this.#running.size > 0 || this.#queue.length > 0;
  }

  /** Resolves once every batch handed over so far (and any started meanwhile) is done. */
  async settled(): Promise<void> {
    while (this.active) await Promise.all([...this.#running]);
  }

  // In the order they were handed over. A partition with a batch running starts its next one
  // beside it, unless another partition is already waiting for a slot: then it waits behind
  // that one, so a partition with a backlog cannot keep its slot for ever. A partition's batches
  // start in offset order, as they queue in that order and wait for the same things.
  #next(): void {
    let waiting = false;
    for (let i = 0; i < this.#queue.length;) {
      const item = this.#queue[i];
      if (!item) break;
      const running = this.#partitions.get(item.s) ?? 0;
      const startable = running === 0 ? this.#partitions.size < this.#concurrency : !waiting;
      if (!startable) {
        if (running === 0) waiting = true;
        i += 1;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#start(item.s, item.run);
    }
  }

  #start(s: PartitionState, run: () => Promise<void>): void {
    this.#partitions.set(s, (this.#partitions.get(s) ?? 0) + 1);
    // The work handles its own failures (fetch-round.ts); nothing it throws may stop the others.
    const running = run()
      .catch(() => undefined)
      .finally(() => {
        const left = (this.#partitions.get(s) ?? 1) - 1;
        if (left === 0) this.#partitions.delete(s);
        else this.#partitions.set(s, left);
        this.#running.delete(running);
        this.#next();
      });
    this.#running.add(running);
  }
}
