import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { guarded } from './kafkajs-errors.ts';
import type { ConsumerHandlers, IncomingRecord, MessageConsumer, OffsetCommit, TopicPartitions } from './types.ts';

function toIncoming(topic: string, partition: number, m: KafkaMessage): IncomingRecord {
  const headers: Record<string, Buffer | undefined> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    // kafkajs yields an array only for repeated header keys; the last one wins, as in Kafka Connect.
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    headers[k] = last === undefined ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return { topic, partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers };
}

const HEARTBEAT_EVERY_MS = 1_000;

export class KafkaJsConsumer implements MessageConsumer {
  readonly #consumer: Consumer;
  readonly #concurrency: number;
  #assignment: Promise<void> = Promise.resolve();

  constructor(consumer: Consumer, partitionsConcurrently = 1) {
    this.#consumer = consumer;
    this.#concurrency = partitionsConcurrently;
  }

  connect(): Promise<void> {
    return guarded('connecting the Kafka consumer', () => this.#consumer.connect());
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the Kafka consumer', () => this.#consumer.disconnect());
  }

  subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    return guarded(`subscribing to ${topics.join(', ')}`, () =>
      this.#consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true }),
    );
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    const { onAssignment } = handlers;
    if (onAssignment) {
      this.#consumer.on(this.#consumer.events.GROUP_JOIN, (event) => {
        const assigned: TopicPartitions[] = Object.entries(event.payload.memberAssignment).map(
          ([topic, partitions]) => ({ topic, partitions }),
        );
        // Batches wait on this promise, so a restore finishes before the first record of a
        // newly assigned partition is handed over.
        // A failed assignment must not poison the next one: every join restores afresh.
        this.#assignment = this.#assignment.catch(() => undefined).then(() => onAssignment(assigned));
      });
    }
    const { onPosition } = handlers;
    if (onPosition) {
      // Fired after every fetched batch, also those of markers or aborted records only.
      this.#consumer.on(this.#consumer.events.END_BATCH_PROCESS, (event) => {
        const p = event.payload;
        onPosition({ topic: p.topic, partition: p.partition, next: String(BigInt(p.lastOffset) + 1n) });
      });
    }
    return guarded('starting the Kafka consumer', () =>
      this.#consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.#concurrency,
        eachBatch: async (payload: EachBatchPayload) => {
          await this.#assignment;
          const { batch } = payload;
          // kafkajs heartbeats only from its fetch loop: a handler waiting out an outage would lose
          // the group membership, so the adapter heartbeats for it (kafkajs throttles the calls).
          const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
          try {
            await handlers.eachBatch({
              topic: batch.topic,
              partition: batch.partition,
              records: batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m)),
            });
          } catch (err) {
            // kafkajs restarts a consumer only for retriable errors and otherwise stops it for good.
            // Handlers dead-letter bad data themselves, so whatever escapes them is infrastructure
            // (a fenced producer, a broker that went away): fetch the batch again, never stop.
            if (err && typeof err === 'object' && 'retriable' in err && err.retriable === true) throw err;
            throw new CloseloopError(
              'CL_KAFKA_TRANSIENT',
              `batch handler failed; the batch will be fetched again: ${messageOf(err)}`,
              { cause: err },
            );
          } finally {
            clearInterval(beat);
          }
        },
      }),
    );
  }

  commitOffsets(offsets: readonly OffsetCommit[]): Promise<void> {
    return guarded('committing consumer offsets', () =>
      this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }))),
    );
  }

  pause(parts: readonly TopicPartitions[]): void {
    this.#consumer.pause(parts.map((p) => ({ topic: p.topic, partitions: [...p.partitions] })));
  }

  resume(parts: readonly TopicPartitions[]): void {
    this.#consumer.resume(parts.map((p) => ({ topic: p.topic, partitions: [...p.partitions] })));
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#consumer.seek({ topic, partition, offset });
  }
}
