import type { MessageConsumer, TopicPartitions } from '../messaging/index.ts';

/**
 * The one owner of the processor's pauses. Two things pause its inputs: partitions refused at an
 * assignment (their changelog lost, see changelog-guard.ts), and the partition watch's hold
 * (every input partition, see PartitionWatch). The consumer keeps one set of paused partitions,
 * not one per reason, so if each resumed its own, each would undo the other's pause: a hold
 * ending would resume a refused partition, and an assignment during a hold would resume the
 * partitions refused before, which the hold still needs paused. A partition resumed that way has
 * its batches rejected (no task, or held) and goes round the consumer's rewind every second,
 * with a warning each time, instead of waiting quietly. So both say what they want here, and the
 * consumer is asked only for the difference between the union and what is paused now.
 */
export class InputPauses {
  readonly #consumer: MessageConsumer;
  readonly #inputs: readonly string[];
  #refused = new Set<number>();
  /** The hold covers partitions 0..holdUpTo-1 of every input (0: no hold). */
  #holdUpTo = 0;
  /** Paused on every input now (pauses outlive rebalances, in both adapters). */
  #paused = new Set<number>();

  constructor(consumer: MessageConsumer, inputs: readonly string[]) {
    this.#consumer = consumer;
    this.#inputs = inputs;
  }

  /** The partitions refused at the latest assignment, which replace those refused before. */
  refuse(partitions: Iterable<number>): void {
    this.#refused = new Set(partitions);
    this.#apply();
  }

  /** Holds partitions 0..upTo-1 of every input, or (0) ends the hold. */
  hold(upTo: number): void {
    this.#holdUpTo = upTo;
    this.#apply();
  }

  #apply(): void {
    const wanted = new Set(this.#refused);
    for (let p = 0; p < this.#holdUpTo; p++) wanted.add(p);
    const resume = [...this.#paused].filter((p) => !wanted.has(p));
    const pause = [...wanted].filter((p) => !this.#paused.has(p));
    this.#paused = wanted;
    // Nothing asked of the consumer when nothing changes: pause and resume are not no-ops to
    // everything that watches them.
    if (resume.length > 0) this.#consumer.resume(this.#on(resume));
    if (pause.length > 0) this.#consumer.pause(this.#on(pause));
  }

  #on(partitions: number[]): TopicPartitions[] {
    const sorted = partitions.sort((a, b) => a - b);
    return this.#inputs.map((topic) => ({ topic, partitions: [...sorted] }));
  }
}
