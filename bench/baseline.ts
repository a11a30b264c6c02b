// Scenario (a): the floor the processor is compared with. A raw kafkajs consume → produce
// pass-through of the same input records: no state, no transactions, offsets committed per batch,
// the same acks and the same per-partition concurrency as the processor. kafkajs is imported
// directly on purpose: the baseline must not go through the adapter it is measuring against.
import { Kafka, logLevel } from 'kafkajs';
import type { AvroSerde } from '../src/messaging/index.ts';

export interface PassThroughOptions {
  readonly brokers: string;
  readonly inputs: readonly string[];
  readonly outputOf: (input: string) => string;
  readonly total: number;
  readonly concurrency: number;
  /** Decode every record through the registry and encode it again for the output subject. */
  readonly avro?: { readonly serde: AvroSerde; readonly subjectOf: (topic: string) => string };
}

export interface PassThroughResult {
  readonly events: number;
  readonly ms: number;
}

export async function passThrough(o: PassThroughOptions): Promise<PassThroughResult> {
  const kafka = new Kafka({ clientId: `bench-baseline`, brokers: [o.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${Date.now()}-${Math.random()}`, readUncommitted: false });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [...o.inputs], fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<number>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: o.concurrency,
        eachBatch: async ({ batch }) => {
          if (started === 0) started = performance.now();
          const messages = [];
          for (const m of batch.messages) {
            let value = m.value;
            if (o.avro && value) {
              const decoded = await o.avro.serde.decode<object>(value);
              value = await o.avro.serde.encode(o.avro.subjectOf(o.outputOf(batch.topic)), decoded.value);
            }
            messages.push({ key: m.key, value, headers: m.headers });
          }
          // In runs of 250, as the bridge's adapter sends: kafkajs groups a send's messages by
          // partition in quadratic time, and the baseline should not pay for that.
          for (let i = 0; i < messages.length; i += 250) {
            await producer.send({ topic: o.outputOf(batch.topic), acks: -1, messages: messages.slice(i, i + 250) });
          }
          const last = batch.messages.at(-1);
          if (last) {
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ]);
          }
          seen += batch.messages.length;
          if (seen >= o.total) resolve(performance.now());
        },
      })
      .catch(reject);
  });
  const ended = await done;
  await consumer.disconnect();
  await producer.disconnect();
  return { events: seen, ms: ended - started };
}
