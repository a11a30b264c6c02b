import type { PartitionState } from './fetch-round.ts';

/**
 * Hands fetched batches to the handler, up to `concurrency` at once, each partition's one at a
 * time: a partition is busy (not fetched again) from its fetch until its batch is handled. No
 * partition waits for another's batch: the fetch loop reads a partition again as soon as it is
 * free, so a slow batch (a slow department, a long transaction) holds back only its own partition.
 */
export class Dispatcher {
  readonly #concurrency: number;
  readonly #queue: (() => Promise<void>)[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #onFree: () => void;

  constructor(concurrency: number, onFree: () => void) {
    this.#concurrency = Math.max(1, concurrency);
    this.#onFree = onFree;
  }

  /** Runs `work` for the partition when a slot is free; the partition is busy until it ends. */
  submit(s: PartitionState, work: () => Promise<void>): void {
    s.busy = true;
    this.#queue.push(async () => {
      try {
        await work();
      } finally {
        s.busy = false;
        this.#onFree();
      }
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

  #next(): void {
    while (this.#running.size < this.#concurrency) {
      const work = this.#queue.shift();
      if (!work) return;
      // The work handles its own failures (fetch-round.ts); nothing it throws may stop the others.
      const running = work()
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(running);
          this.#next();
        });
      this.#running.add(running);
    }
  }
}
