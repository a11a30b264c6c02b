// Scenario (d): the Kafka Streams application a team would pick instead of the lifecycle
// processor, on the same seeded records as (b) and timed the same way: CRM phase, then
// department phase, each from readiness to the last input offset its group committed.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AvroSerde, createKafkaMessaging, type MessagingAdmin } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { feed, provision, runConfig, type Endpoints } from './harness.ts';
import { generate, routingFor, type LoadProfile } from './load.ts';
import { cpuSince, jitCpuSince, perEventOrNull, shareOrNull } from './cpu-meter.ts';
import { runFolder } from './run-folder.ts';
import { startPeer, type PeerBuild, type PeerProcess } from './streams-peer.ts';
import { progressWatch } from './idle.ts';

export interface PeerRun {
  readonly threads: number;
  readonly tickets: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly ms: number;
  /** The most untimed records a phase's JVM was warmed on (PeerRunOptions.warmupRecords, at most what the inputs held). */
  readonly warmupRecords: number;
  /**
   * CPU per event over the timed phases, µs: the peer's JVM (all its threads: stream threads,
   * its clients', the collector's and the compiler's) and the broker's. Reports from before it have none.
   */
  readonly cpu?: {
    readonly process: number | null;
    readonly broker: number | null;
    readonly brokerJitShare?: number | null;
  };
}

export interface PeerRunOptions {
  readonly tickets: number;
  readonly seed: number;
  readonly partitions: number;
  readonly threads: number;
  /**
   * Input records the peer processes untimed, in the same JVM, before each phase's timed start
   * (at most what the inputs hold by then); 0 for none, Infinity for all they hold. See PeerOptions.warmup.
   */
  readonly warmupRecords?: number;
  /** Leaves the run's topics in place and names them, for a test to read; else they are deleted. */
  readonly keep?: (topics: PeerTopics) => void;
}

export interface PeerTopics {
  /** Every topic of the run, the Streams changelog included, starts with it. */
  readonly prefix: string;
  readonly applicationId: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly [string, string, string, string];
  /** The warm-ups' own outputs; phase n's warm-up has the application id (and group) `<applicationId>-warmup<n>`. */
  readonly warmupOutputs: readonly [string, string, string, string];
}

/**
 * Waits until the group has committed every input partition up to its end. The inputs are
 * written without transactions, so the end offset is the offset after the last record, which
 * is exactly what an exactly-once commit of the whole partition leaves in the group.
 */
async function waitCommitted(admin: MessagingAdmin, group: string, inputs: readonly string[], peer: PeerProcess) {
  const timeoutMs = Number(process.env['BENCH_IDLE_TIMEOUT_MS'] ?? 600_000);
  const deadline = Date.now() + timeoutMs;
  const ends = await Promise.all(inputs.map(async (t) => [t, await admin.topicOffsets(t)] as const));
  for (;;) {
    const behind: string[] = [];
    for (const [topic, offsets] of ends) {
      const committed = new Map((await admin.groupOffsets(group, topic)).map((c) => [c.partition, BigInt(c.offset)]));
      for (const o of offsets) {
        const at = committed.get(o.partition) ?? -1n;
        if (BigInt(o.high) > 0n && at < BigInt(o.high)) behind.push(`${topic}[${o.partition}] ${at}/${o.high}`);
      }
    }
    if (behind.length === 0) return;
    const failed = peer.failure();
    if (failed) throw failed;
    if (Date.now() > deadline)
      throw new Error(`the Streams peer did not catch up in ${timeoutMs} ms: ${behind.join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const addOrNull = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

export async function peerRun(
  e: Endpoints,
  build: PeerBuild,
  profile: LoadProfile,
  o: PeerRunOptions,
): Promise<PeerRun> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  // A fresh config names fresh input and output topics; the application id is this run's own.
  const config = await runConfig(e, `peer${o.threads}`, { partitions: o.partitions, routing: routingFor(profile) });
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: config.kafka.clientId, logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  const applicationId = `${config.kafka.clientId}.streams`;
  const stateDir = path.join(runFolder(), applicationId);
  const inputs = [config.topics.crmEvents, config.topics.deptEvents];
  const outputs = [config.topics.state, config.topics.status, config.topics.commands, config.topics.links] as const;
  const warmupOutputs = [
    `${outputs[0]}.warmup`,
    `${outputs[1]}.warmup`,
    `${outputs[2]}.warmup`,
    `${outputs[3]}.warmup`,
  ] as const;
  const load = generate(profile, o.tickets, o.seed);
  const events = load.crm.length + load.dept.length;
  try {
    // The same topics and Avro subjects as (b): the peer reads the very bytes the processor reads.
    await provision(config, admin, serde);
    await admin.ensureTopics(warmupOutputs.map((topic) => ({ topic, partitions: o.partitions })));
    let ms = 0;
    // The JVM's and the broker's CPU over each timed phase, µs; null once either could not be read.
    let jvmMicros: number | null = 0;
    let brokerMicros: number | null = 0;
    let jitMicros: number | null = 0;
    let fed = 0;
    let warmed = 0;
    for (const [phase, batch] of [load.crm, load.dept].entries()) {
      await feed(config, messaging, serde, batch);
      fed += batch.length;
      // Each phase's warm-up is a new group, which reads the inputs from their start: it can take
      // no more than they hold.
      const warmup = Math.min(o.warmupRecords ?? 0, fed);
      warmed = Math.max(warmed, warmup);
      let jvmSince = cpuSince(undefined);
      let brokerSince = cpuSince(undefined);
      let jitSince = jitCpuSince(undefined);
      const peer = await startPeer(build, {
        onStart: (pid) => {
          jvmSince = cpuSince(pid);
          brokerSince = cpuSince(e.brokerPid);
          jitSince = jitCpuSince(e.brokerPid);
        },
        brokers: e.brokers,
        applicationId,
        stateDir,
        threads: o.threads,
        inputs,
        outputs,
        ...(warmup > 0
          ? { warmup: { applicationId: `${applicationId}-warmup${phase}`, records: warmup, outputs: warmupOutputs } }
          : {}),
      });
      try {
        const watch = progressWatch(admin, applicationId, inputs);
        await waitCommitted(admin, applicationId, inputs, peer);
        ms += (await watch.stop()) - peer.ready;
        jvmMicros = addOrNull(jvmMicros, jvmSince());
        brokerMicros = addOrNull(brokerMicros, brokerSince());
        jitMicros = addOrNull(jitMicros, jitSince());
      } finally {
        await peer.stop();
      }
    }
    if (o.keep) o.keep({ prefix: config.kafka.clientId, applicationId, inputs, outputs, warmupOutputs });
    else {
      const topics = await admin.listTopics();
      // Streams' changelog is named after the application id, which starts with the client id.
      await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    }
    return {
      threads: o.threads,
      tickets: o.tickets,
      events,
      eventsPerSecond: Math.round((events / ms) * 1000),
      ms: Math.round(ms),
      warmupRecords: warmed,
      cpu: {
        process: perEventOrNull(jvmMicros, events),
        broker: perEventOrNull(brokerMicros, events),
        brokerJitShare: shareOrNull(jitMicros, brokerMicros),
      },
    };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
    await admin.disconnect();
  }
}
