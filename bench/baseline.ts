// Scenario (a): the floor the processor is compared with. A raw consume → produce pass-through of
// the same input records on @platformatic/kafka: no state, no transactions, offsets committed per
// batch, the same acks and the same per-partition concurrency as the processor. The client is
// imported directly on purpose: the baseline must not go through the adapter it is measuring against.
import {
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  Producer,
  compatibilityPartitioner,
  type Message,
} from '@platformatic/kafka';
import { MAX_SEND_BYTES } from '../src/messaging/chunk.ts';
import type { AvroSerde } from '../src/messaging/index.ts';
import {
  cpuSince,
  jitCpuSince,
  ownCpuSince,
  perEvent,
  perEventOrNull,
  shareOrNull,
  type EventCpu,
} from './cpu-meter.ts';

export interface PassThroughOptions {
  readonly brokers: string;
  readonly inputs: readonly string[];
  readonly outputOf: (input: string) => string;
  readonly total: number;
  readonly concurrency: number;
  /** Decode every record through the registry and encode it again for the output subject. */
  readonly avro?: { readonly serde: AvroSerde; readonly subjectOf: (topic: string) => string };
  /** The broker's process, when local: its CPU time over the timed span is measured too. */
  readonly brokerPid?: number | undefined;
}

export interface PassThroughResult {
  readonly events: number;
  readonly ms: number;
  /** Over the same span as ms: the bench process's CPU per event, and the broker's. */
  readonly cpu: EventCpu;
}

export async function passThrough(o: PassThroughOptions): Promise<PassThroughResult> {
  const base = { clientId: 'bench-baseline', bootstrapBrokers: [o.brokers] };
  const producer = new Producer({ ...base, idempotent: true, partitioner: compatibilityPartitioner });
  const consumer = new Consumer({
    ...base,
    groupId: `bench-baseline-${Date.now()}-${Math.random()}`,
    autocommit: false,
  });
  const stream = await consumer.consume({
    topics: [...o.inputs],
    mode: MessagesStreamModes.EARLIEST,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 1_000,
  });
  let seen = 0;
  let started = 0;
  // Set when the timing starts, read when it ends.
  let ownFrom = process.cpuUsage();
  let brokerSince = cpuSince(undefined);
  let jitSince = jitCpuSince(undefined);
  let used = { own: 0, broker: null as number | null, jit: null as number | null };
  // One partition's run of what the stream holds: sent on, then its offset committed.
  const pass = async (messages: Message[]) => {
    const first = messages[0];
    if (!first) return;
    const out = [];
    for (const m of messages) {
      let value = m.value;
      if (o.avro && value) {
        const decoded = await o.avro.serde.decode<object>(value);
        value = await o.avro.serde.encode(o.avro.subjectOf(o.outputOf(m.topic)), decoded.value);
      }
      out.push({ topic: o.outputOf(m.topic), key: m.key, value, headers: m.headers });
    }
    // Under the broker's message.max.bytes, in runs of the byte budget the bridge's adapter uses.
    let run: typeof out = [];
    let bytes = 0;
    for (const m of out) {
      const size = (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
      if (run.length > 0 && bytes + size > MAX_SEND_BYTES) {
        await producer.send({ messages: run });
        run = [];
        bytes = 0;
      }
      run.push(m);
      bytes += size;
    }
    if (run.length > 0) await producer.send({ messages: run });
    const last = messages[messages.length - 1] ?? first;
    await consumer.commit({
      offsets: [
        { topic: last.topic, partition: last.partition, offset: last.offset + 1n, leaderEpoch: last.leaderEpoch },
      ],
    });
  };
  const ended = await new Promise<number>((resolve, reject) => {
    let draining = false;
    const drain = async () => {
      if (draining) return;
      draining = true;
      try {
        for (;;) {
          const byPartition = new Map<string, Message[]>();
          for (let m = stream.read() as Message | null; m !== null; m = stream.read() as Message | null) {
            const key = `${m.topic}/${m.partition}`;
            const run = byPartition.get(key);
            if (run) run.push(m);
            else byPartition.set(key, [m]);
          }
          if (byPartition.size === 0) return;
          if (started === 0) {
            started = performance.now();
            ownFrom = process.cpuUsage();
            brokerSince = cpuSince(o.brokerPid);
            jitSince = jitCpuSince(o.brokerPid);
          }
          const runs = [...byPartition.values()];
          let next = 0;
          const worker = async () => {
            while (next < runs.length) await pass(runs[next++] ?? []);
          };
          await Promise.all(Array.from({ length: Math.min(o.concurrency, runs.length) }, worker));
          seen += runs.reduce((n, r) => n + r.length, 0);
          if (seen >= o.total) {
            used = { own: ownCpuSince(ownFrom), broker: brokerSince(), jit: jitSince() };
            return resolve(performance.now());
          }
        }
      } finally {
        draining = false;
      }
    };
    stream.on('error', reject);
    stream.on('readable', () => void drain().catch(reject));
  });
  await stream.close();
  await consumer.close(true);
  await producer.close();
  return {
    events: seen,
    ms: ended - started,
    cpu: {
      process: perEvent(used.own, seen),
      broker: perEventOrNull(used.broker, seen),
      brokerJitShare: shareOrNull(used.jit, used.broker),
    },
  };
}
