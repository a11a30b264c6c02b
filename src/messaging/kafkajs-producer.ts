import type { Message, Producer } from 'kafkajs';
import { chunkByTopic, chunkRecords } from './chunk.ts';
import { guarded } from './kafkajs-errors.ts';
import type {
  DeliveredRecord,
  MessageProducer,
  OffsetCommit,
  OutgoingRecord,
  Transaction,
  TransactionalProducer,
} from './types.ts';

/**
 * kafkajs groups a send's messages by partition by copying the partition's list for every
 * message, which is quadratic in the records per partition; short runs keep that cost flat.
 */
const MAX_SEND_RECORDS = 250;

export function toKafkaMessage(r: OutgoingRecord): Message {
  const m: Message = { key: r.key, value: r.value };
  if (r.headers) m.headers = { ...r.headers };
  if (r.partition !== undefined) m.partition = r.partition;
  return m;
}

export class KafkaJsProducer implements MessageProducer {
  readonly #producer: Producer;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  connect(): Promise<void> {
    return guarded('connecting the Kafka producer', () => this.#producer.connect());
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the Kafka producer', () => this.#producer.disconnect());
  }

  send(topic: string, records: readonly OutgoingRecord[]): Promise<DeliveredRecord[]> {
    return guarded(`producing to ${topic}`, async () => {
      const delivered: DeliveredRecord[] = [];
      for (const chunk of chunkRecords(records, undefined, MAX_SEND_RECORDS)) {
        const meta = await this.#producer.send({ topic, acks: -1, messages: chunk.map(toKafkaMessage) });
        for (const m of meta)
          delivered.push({ topic: m.topicName, partition: m.partition, baseOffset: m.baseOffset ?? '-1' });
      }
      return delivered;
    });
  }
}

export function groupByTopic(offsets: readonly OffsetCommit[]) {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: o.offset });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

export class KafkaJsTransactionalProducer implements TransactionalProducer {
  readonly #producer: Producer;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  connect(): Promise<void> {
    return guarded('connecting the transactional producer', () => this.#producer.connect());
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the transactional producer', () => this.#producer.disconnect());
  }

  fence(): Promise<void> {
    return guarded('claiming the transactional id', async () => {
      // kafkajs has no initTransactions(); its first transaction does it, and aborting an empty
      // transaction sends nothing to the broker.
      const tx = await this.#producer.transaction();
      await tx.abort();
    });
  }

  begin(): Promise<Transaction> {
    return guarded('beginning a Kafka transaction', async () => {
      const tx = await this.#producer.transaction();
      return {
        send: (topic, records) =>
          guarded(`producing to ${topic} in a transaction`, async () => {
            for (const chunk of chunkRecords(records, undefined, MAX_SEND_RECORDS)) {
              await tx.send({ topic, acks: -1, messages: chunk.map(toKafkaMessage) });
            }
          }),
        sendMany: (byTopic) =>
          guarded(`producing to ${[...byTopic.keys()].join(', ')} in a transaction`, async () => {
            for (const chunk of chunkByTopic(byTopic, undefined, MAX_SEND_RECORDS)) {
              const topicMessages = [...chunk].map(([topic, records]) => ({
                topic,
                messages: records.map(toKafkaMessage),
              }));
              await tx.sendBatch({ acks: -1, topicMessages });
            }
          }),
        sendOffsets: (consumerGroupId, offsets) =>
          guarded('adding offsets to the transaction', () =>
            tx.sendOffsets({ consumerGroupId, topics: groupByTopic(offsets) }),
          ),
        commit: () => guarded('committing the transaction', () => tx.commit()),
        abort: () => guarded('aborting the transaction', () => tx.abort()),
      };
    });
  }
}
