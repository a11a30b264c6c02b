import {
  CloseloopError,
  DEFAULT_RETRY,
  isCloseloopError,
  messageOf,
  withRetry,
  type RetryPolicy,
} from '../errors/index.ts';
import {
  deadLetter,
  deadLetterTopic,
  type AvroSerde,
  type IncomingRecord,
  type MessageConsumer,
  type MessageProducer,
  type Messaging,
  type RecordBatch,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Sink } from '../sdk/connector.ts';
import { runByKey } from './by-key.ts';

export interface SinkRunnerOptions<T> {
  readonly connector: string;
  readonly topic: string;
  /** The full name of the topic's record; a record written with another schema is dead-lettered. */
  readonly recordName?: string;
  readonly groupId: string;
  readonly sink: Sink<T>;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Tries per record before the runner pauses and waits for the system to be healthy. */
  readonly retry?: RetryPolicy;
  readonly probeIntervalMs?: number;
  readonly metrics?: Metrics;
  /** Tickets delivered at once (default 1); one ticket's records always go one after another. */
  readonly maxInFlight?: number;
  /** Partitions whose batches are delivered side by side (default 1). */
  readonly partitionsConcurrently?: number;
}

export interface SinkRunnerStatus {
  readonly state: 'stopped' | 'running' | 'paused';
  /** Why it is paused: an operator's pause, or the system being unhealthy. */
  readonly pausedBy: 'operator' | 'outage' | null;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly retries: number;
}

/**
 * Feeds one topic to a sink, in order per partition. A data error dead-letters the record and
 * goes on; a retriable one is retried, and past the budget the runner stops consuming, probes the
 * system's health and carries on with the same record once it is back: an outage never reaches
 * the dead-letter topic and never reorders a ticket's updates. Offsets are committed only for
 * records delivered or dead-lettered (at least once; sinks are idempotent).
 */
export class SinkRunner<T> {
  readonly #o: SinkRunnerOptions<T>;
  readonly #log: Logger;
  #consumer: MessageConsumer | null = null;
  #producer: MessageProducer | null = null;
  #state: SinkRunnerStatus['state'] = 'stopped';
  #pausedBy: SinkRunnerStatus['pausedBy'] = null;
  #operatorPaused = false;
  #delivered = 0;
  #deadLettered = 0;
  #retries = 0;
  #healthy: Promise<void> | null = null;

  constructor(options: SinkRunnerOptions<T>) {
    this.#o = options;
    this.#log = options.logger.child({ connector: options.connector, topic: options.topic });
  }

  status(): SinkRunnerStatus {
    return {
      state: this.#state,
      pausedBy: this.#pausedBy,
      delivered: this.#delivered,
      deadLettered: this.#deadLettered,
      retries: this.#retries,
    };
  }

  async start(): Promise<void> {
    const { messaging, topic, groupId } = this.#o;
    this.#producer = messaging.producer();
    await this.#producer.connect();
    this.#consumer = messaging.consumer({ groupId, partitionsConcurrently: this.#o.partitionsConcurrently ?? 1 });
    await this.#consumer.connect();
    await this.#consumer.subscribe([topic], { fromBeginning: true });
    this.#state = 'running';
    await this.#consumer.run({ eachBatch: (batch) => this.#batch(batch) });
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    await this.#consumer?.disconnect();
    await this.#producer?.disconnect();
    await this.#o.sink.stop?.();
  }

  // A method, so the compiler does not narrow #state across awaits that stop() may interleave with.
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Operator pause: finishes the record in hand, then delivers nothing until resume(). */
  pause(): void {
    this.#operatorPaused = true;
  }

  resume(): void {
    this.#operatorPaused = false;
  }

  async #batch(batch: RecordBatch): Promise<void> {
    const { donePrefix, error } = await runByKey(
      batch.records,
      (r) => r.key?.toString('utf8') ?? '',
      this.#o.maxInFlight ?? 1,
      async (record) => {
        // Stopping leaves the rest for the next owner of the partition.
        if (this.#isStopped()) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'sink runner stopped');
        await this.#waitWhileOperatorPaused(batch);
        await this.#handle(record, batch);
      },
    );
    const last = batch.records[donePrefix - 1];
    if (last && this.#consumer) {
      const next = (BigInt(last.offset) + 1n).toString();
      await this.#consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    }
    if (error !== null && !this.#isStopped()) throw error;
  }

  async #handle(record: IncomingRecord, batch: RecordBatch): Promise<void> {
    let value: T;
    try {
      const { serde, recordName } = this.#o;
      value = (await (recordName ? serde.decodeAs<T>(record.value, recordName) : serde.decode<T>(record.value))).value;
    } catch (err) {
      if (isCloseloopError(err) && err.retriable) throw err;
      return this.#deadLetter(record, err);
    }
    if (this.#o.sink.accepts && !this.#o.sink.accepts(value)) return;
    const started = process.hrtime.bigint();
    for (;;) {
      try {
        await withRetry(async () => {
          try {
            await this.#o.sink.deliver(value);
          } catch (err) {
            if (isCloseloopError(err) && err.retriable) this.#retries += 1;
            throw err;
          }
        }, this.#o.retry ?? DEFAULT_RETRY);
        this.#delivered += 1;
        this.#o.metrics?.deliverySeconds.observe(
          { connector: this.#o.connector },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
        return;
      } catch (err) {
        if (!(isCloseloopError(err) && err.retriable)) return this.#deadLetter(record, err);
        this.#log.warn(
          { code: err.code, offset: record.offset },
          'retry budget spent; pausing until the system is healthy',
        );
        await this.#awaitHealthy(batch);
      }
    }
  }

  async #deadLetter(record: IncomingRecord, err: unknown): Promise<void> {
    const error = isCloseloopError(err)
      ? err
      : new CloseloopError('CL_CONNECTOR_REJECTED', `sink failed: ${messageOf(err)}`, { cause: err });
    await this.#producer?.send(deadLetterTopic(record.topic), [
      deadLetter(record, error, this.#o.connector, Date.now()),
    ]);
    this.#deadLettered += 1;
    this.#o.metrics?.deadLetters.inc({ topic: record.topic, code: error.code });
    this.#log.warn(
      { ticketId: record.key?.toString('utf8'), offset: record.offset, partition: record.partition, code: error.code },
      'dead-lettered',
    );
  }

  // Every ticket in flight that finds the system down waits on the same probe.
  #awaitHealthy(batch: RecordBatch): Promise<void> {
    this.#healthy ??= this.#waitUntilHealthy(batch).finally(() => {
      this.#healthy = null;
    });
    return this.#healthy;
  }

  // Waiting inside the batch keeps this partition's order; heartbeats keep the group membership.
  async #waitUntilHealthy(batch: RecordBatch): Promise<void> {
    this.#state = 'paused';
    this.#pausedBy = 'outage';
    const interval = this.#o.probeIntervalMs ?? 1_000;
    try {
      for (;;) {
        if (this.#isStopped()) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'sink runner stopped while paused');
        await new Promise((r) => setTimeout(r, interval));
        await batch.heartbeat();
        const health = await this.#o.sink.health().catch(() => ({ status: 'down' as const }));
        if (health.status === 'up') break;
      }
    } finally {
      if (this.#state === 'paused') this.#state = 'running';
      this.#pausedBy = null;
    }
    this.#log.info('system healthy again; resuming');
  }

  async #waitWhileOperatorPaused(batch: RecordBatch): Promise<void> {
    if (!this.#operatorPaused) return;
    this.#state = 'paused';
    this.#pausedBy = 'operator';
    while (this.#operatorPaused && !this.#isStopped()) {
      await new Promise((r) => setTimeout(r, 200));
      await batch.heartbeat();
    }
    if (this.#state === 'paused') this.#state = 'running';
    this.#pausedBy = null;
  }
}
