import type { CloseloopConfig } from '../config/index.ts';
import { messageOf, type CloseloopError } from '../errors/index.ts';
import type { ConsumerHealth, MessagingAdmin } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { InputPauses } from './input-pauses.ts';
import { coPartitionedTopics, partitionMismatch } from './provision.ts';

export interface PartitionWatchContext {
  readonly admin: MessagingAdmin;
  /** The processor's input pauses, which a hold adds to (a refused partition stays paused after it). */
  readonly pauses: InputPauses;
  readonly config: CloseloopConfig;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly clock: () => number;
}

/**
 * The partition counts of the co-partitioned topics, asked of the broker while the processor
 * runs (start-up checks them once, provision.ts). A partition added under a running processor
 * is otherwise never noticed: the Kafka client does not rejoin its group when a topic grows, so
 * the new partition's records would sit unread while health said "reading".
 *
 * While a count differs from processor.partitions the processor holds: every input partition
 * is paused (records wait in Kafka, their offsets uncommitted) and the timer sweeps write
 * nothing. It does not read on with the partitions it has. Producers place a ticket's records by
 * the topic's current count, so after a partition is added a ticket's new records may land on
 * another partition than its state's task: on the new partition, which this member was never
 * given, or on an old one, to be forwarded by the old count into a repartition partition that
 * the next start, at the new count, would read in the wrong task. Outputs keyed by the client's
 * partitioner (statuses, commands) would land on partitions a running sink may not read. Held,
 * nothing is decided under two counts at once; the records are decided once the operator has
 * changed the count (see the README, Changing the partition count).
 *
 * And it says so: health failing with CL_TOPIC_MISMATCH at once (a changed count does not pass
 * by itself), closeloop_topic_mismatch{topic}, and one error log naming the topics, their counts
 * and what to do. Should the counts match again (the topics were recreated), it says so and the
 * hold ends.
 */
export class PartitionWatch {
  readonly #c: PartitionWatchContext;
  readonly #topics: string[];
  #mismatch: { error: CloseloopError; since: number } | null = null;
  /** The widest topic seen: the partitions a hold must cover. */
  #widest: number;
  /** How many partitions of each input the hold covers (0: none). */
  #heldUpTo = 0;
  #askFailed = false;
  /** Topics whose count differed at the last answer (they have a series of the gauge). */
  #odd = new Set<string>();

  constructor(context: PartitionWatchContext) {
    this.#c = context;
    this.#topics = coPartitionedTopics(context.config);
    this.#widest = context.config.processor.partitions;
  }

  /** CL_TOPIC_MISMATCH while a co-partitioned topic's count differs from processor.partitions. */
  held(): CloseloopError | null {
    return this.#mismatch?.error ?? null;
  }

  /**
   * Asks the broker for the counts now. A failed question keeps the last answer: the consumer's
   * own health tells of a broker that does not answer.
   */
  async check(): Promise<boolean> {
    let counts: Map<string, number>;
    try {
      counts = await this.#c.admin.partitionCounts(this.#topics);
    } catch (err) {
      if (!this.#askFailed) this.#c.log.warn({ err: messageOf(err) }, 'partition counts could not be read');
      this.#askFailed = true;
      return this.#mismatch !== null;
    }
    this.#askFailed = false;
    this.#widest = Math.max(this.#widest, ...counts.values());
    this.#judge(counts);
    this.#hold();
    return this.#mismatch !== null;
  }

  /** Pauses every input partition there may be while held (pauses outlive rebalances), or resumes. */
  #hold(): void {
    const upTo = this.#mismatch ? Math.max(this.#heldUpTo, this.#widest) : 0;
    if (upTo === this.#heldUpTo) return;
    this.#heldUpTo = upTo;
    this.#c.pauses.hold(upTo);
  }

  #judge(counts: ReadonlyMap<string, number>): void {
    const { config, log, metrics, clock } = this.#c;
    const error = partitionMismatch(config, counts);
    const before = this.#mismatch;
    // Only topics that are or were odd get a series: a healthy pipeline has none to scrape.
    const odd = new Set([...counts].filter(([, n]) => n !== config.processor.partitions).map(([t]) => t));
    for (const topic of new Set([...odd, ...this.#odd])) metrics?.topicMismatch.set({ topic }, odd.has(topic) ? 1 : 0);
    this.#odd = odd;
    if (!error) {
      if (before) {
        this.#mismatch = null;
        log.info(
          { partitions: config.processor.partitions },
          'co-partitioned topics match processor.partitions again; reading resumes',
        );
      }
      return;
    }
    this.#mismatch = { error, since: before?.since ?? clock() };
    if (before?.error.message === error.message) return;
    log.error(
      {
        code: error.code,
        partitions: config.processor.partitions,
        topics: error.details['topics'],
        err: error.message,
      },
      'a co-partitioned topic changed its partition count; the processor holds every partition',
    );
  }

  /** Failing, naming the topics and what to do, while held; null otherwise. */
  health(): ConsumerHealth | null {
    if (!this.#mismatch) return null;
    const { error, since } = this.#mismatch;
    return { state: 'failing', failingForMs: this.#c.clock() - since, reason: `${error.code}: ${error.message}` };
  }
}
