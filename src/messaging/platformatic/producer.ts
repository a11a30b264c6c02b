import type { Producer } from '@platformatic/kafka';
import { ProduceAcks, type MessageToProduce, type ProducerOptions } from '@platformatic/kafka';
import { chunkRecords } from '../chunk.ts';
import { writtenHeaders } from '../headers.ts';
import { murmur2 } from '../partitioner.ts';
import type { DeliveredRecord, MessageProducer, OutgoingRecord } from '../types.ts';
import { guarded } from './errors.ts';

/**
 * Java's (and kafkajs's) murmur2 partitioning for keyed records, from the same function
 * partitionFor uses, so the producer and the processor's placement check can never disagree. The
 * client takes the result modulo the partition count, as Java does after toPositive. Unkeyed
 * records go round-robin, per producer.
 */
export function javaPartitioner(): NonNullable<ProducerOptions<Buffer, Buffer, Buffer, Buffer>['partitioner']> {
  let next = 0;
  return (_message, key) => (key ? murmur2(key) & 0x7fffffff : next++ & 0x7fffffff);
}

export function toMessage(topic: string, r: OutgoingRecord): MessageToProduce {
  const m: MessageToProduce = {
    topic,
    // A null key or value (a tombstone) must reach the wire as null, not as an empty buffer.
    key: (r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key, 'utf8') : r.key) as unknown as Buffer,
    value: r.value as unknown as Buffer,
  };
  if (r.headers || r.headerList) {
    // Keyed by a new Buffer each: a repeated name is two entries, as the record had them.
    m.headers = new Map([...writtenHeaders(r)].map(([k, v]) => [Buffer.from(k), v as Buffer]));
  }
  if (r.partition !== undefined) m.partition = r.partition;
  return m;
}

export class PlatformaticProducer implements MessageProducer {
  readonly #producer: Producer;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  // Connections open on first use; metadata proves the broker answers.
  connect(): Promise<void> {
    return guarded('connecting the Kafka producer', async () => {
      await this.#producer.metadata({ topics: [] });
    });
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the Kafka producer', () => this.#producer.close());
  }

  send(topic: string, records: readonly OutgoingRecord[]): Promise<DeliveredRecord[]> {
    return guarded(`producing to ${topic}`, async () => {
      const delivered: DeliveredRecord[] = [];
      for (const chunk of chunkRecords(records)) {
        const result = await this.#producer.send({
          messages: chunk.map((r) => toMessage(topic, r)),
          acks: ProduceAcks.ALL,
        });
        for (const o of result.offsets ?? []) {
          delivered.push({ topic: o.topic, partition: o.partition, baseOffset: String(o.offset) });
        }
      }
      return delivered;
    });
  }
}
