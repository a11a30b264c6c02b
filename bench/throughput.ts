// Scenarios (a) and (b) on the same records: the lifecycle processor with exactly-once
// transactions, then raw @platformatic/kafka pass-throughs of its input topics with and without Avro.
import path from 'node:path';
import { AvroSerde, createKafkaMessaging, readSchemaFile, subjectForTopic } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { CANONICAL } from '../src/topics/index.ts';
import { passThrough } from './baseline.ts';
import { progressWatch, waitIdle } from './idle.ts';
import { feed, provision, rssSampler, runConfig, runConfigFile, SCHEMAS, type Endpoints } from './harness.ts';
import { generate, routingFor, type GeneratedLoad, type LoadProfile } from './load.ts';
import {
  cpuSince,
  jitCpuSince,
  ownCpuSince,
  perEvent,
  perEventOrNull,
  shareOrNull,
  type EventCpu,
} from './cpu-meter.ts';
import { BenchProcessorThreads, type GcPauses } from './processor-threads.ts';

export interface ProcessorFigures {
  readonly threads: number;
  readonly eventsPerSecond: number;
  readonly ms: number;
  /** The CRM phase's and the department phase's, each from work's start to its last commit. */
  readonly phasesMs: readonly number[];
  /** Restart of the processor between the CRM and department phases: fence, restore, join. */
  readonly restartMs: number;
  /**
   * CPU time of the processor threads per event, µs, over both phases: it moves with the
   * processor's work, and less than events/s (not by nothing) with what else the machine runs.
   */
  readonly cpuMicrosPerEvent: number;
  /**
   * CPU time of the whole bench process per event, µs, over the same spans: the processor
   * threads, V8's own threads serving them (garbage collection's parallel and concurrent work,
   * the optimising compiler) and the bench's idle polling. What the processor costs the machine.
   */
  readonly processCpuMicrosPerEvent: number;
  /**
   * Both figures above for each phase on its own, CRM then department, per event of that phase:
   * a CRM event opens a ticket (a new state, a work order command), a department event moves one.
   */
  readonly phaseCpuMicrosPerEvent?: readonly PhaseCpu[];
  /**
   * The broker's CPU time per event over the same phases, from work's start to the last commit,
   * µs; null when the broker is not the local stack's. Reports from before it have none.
   */
  readonly brokerCpuMicrosPerEvent?: number | null;
  /** The share of the broker's CPU over the same phases its JIT compilers took (cpu-meter.ts); null when not measured. */
  readonly brokerJitShare?: number | null;
}

export interface PhaseCpu {
  /** The processor threads' CPU per event of the phase, µs. */
  readonly threads: number;
  /** The whole bench process's, µs. */
  readonly process: number;
  /**
   * Of the threads' time, the garbage collector's pauses per event, µs: scavenges of the young
   * generation, and the rest (the pauses of marking and compaction).
   */
  readonly gcPauses?: GcPauses;
  /** The broker's, µs; null when not measured. */
  readonly broker?: number | null;
  /**
   * The longest any processor thread's event loop kept a timer waiting in the phase, ms: how long
   * its heartbeats, sweeps and I/O answers could wait (`monitorEventLoopDelay`).
   */
  readonly loopStallMs?: number;
}

export interface ThroughputRun {
  readonly tickets: number;
  readonly events: number;
  /** (b) per thread count, each on topics of its own with the same records. */
  readonly processor: readonly ProcessorFigures[];
  readonly rawEventsPerSecond: number;
  readonly avroEventsPerSecond: number;
  readonly peakRssMb: number;
  /** Events (b)'s threads processed untimed, on other tickets and topics, before each timed run. */
  readonly warmupEvents: number;
  /** Events each of (a)'s pass-throughs read untimed, the same records, before its timed run. */
  readonly baselineWarmupEvents?: number;
  /** (a)'s CPU per event, raw then with Avro: the bench process's and the broker's. */
  readonly rawCpu?: EventCpu;
  readonly avroCpu?: EventCpu;
}

interface PhaseFigures {
  readonly phasesMs: number[];
  readonly restartMs: number;
  /** The processor threads' own CPU time in each phase, µs (see ProcessorFigures). */
  readonly cpuMicros: readonly number[];
  /** Their garbage collection pauses in each phase, µs. */
  readonly gcMicros: readonly GcPauses[];
  /** The longest event-loop stall of any thread in each phase, ms. */
  readonly loopStallMs: readonly number[];
  /** The bench process's, all its threads, from work's start in each phase to its threads' stop, µs. */
  readonly processCpuMicros: readonly number[];
  /** The broker's, from work's start in each phase to its last commit, µs; null when not measured. */
  readonly brokerMicros: readonly (number | null)[];
  /** Of the broker's, its JIT compilers', µs. */
  readonly brokerJitMicros: readonly (number | null)[];
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The sum of the phases' µs; null when any phase's is missing. */
const sumAll = (micros: readonly (number | null)[]): number | null =>
  micros.some((m) => m === null) ? null : sum(micros as number[]);

/** (b) on `threads` processor threads: untimed on a warm-up load first, then timed. */
async function processorRun(
  e: Endpoints,
  profile: LoadProfile,
  load: GeneratedLoad,
  warmup: GeneratedLoad | null,
  o: { partitions: number; threads: number },
): Promise<PhaseFigures> {
  const threads = new BenchProcessorThreads(o.threads);
  try {
    if (warmup) await processorPhases(e, profile, warmup, threads, { ...o, name: `warmup${o.threads}` });
    return await processorPhases(e, profile, load, threads, { ...o, name: `throughput${o.threads}` });
  } finally {
    await threads.close();
  }
}

/** (b)'s two phases on a run's own topics, each timed from work's start to its last commit. */
async function processorPhases(
  e: Endpoints,
  profile: LoadProfile,
  load: GeneratedLoad,
  threads: BenchProcessorThreads,
  o: { partitions: number; threads: number; name: string },
): Promise<PhaseFigures> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const { config, file } = await runConfigFile(e, o.name, {
    partitions: o.partitions,
    threads: o.threads,
    routing: routingFor(profile),
  });
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: config.kafka.clientId, logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  try {
    await provision(config, admin, serde);
    // Department events can only follow the work orders the CRM phase creates, so the phases
    // run one after the other, as they do in a city; each is timed from work's start to idle.
    const phases: number[] = [];
    let restartMs = 0;
    const cpuMicros: number[] = [];
    const gcMicros: GcPauses[] = [];
    const loopStallMs: number[] = [];
    const processCpuMicros: number[] = [];
    const brokerMicros: (number | null)[] = [];
    const brokerJitMicros: (number | null)[] = [];
    for (const [phase, batch] of [load.crm, load.dept].entries()) {
      await feed(config, messaging, serde, batch);
      const starting = performance.now();
      // Timed from the first assignment restored, when work starts: the threads' processors
      // join together, but the first may work while the group settles (see the README).
      const { working } = await threads.start(file);
      const ready = await working;
      const processCpu = process.cpuUsage();
      const brokerSince = cpuSince(e.brokerPid);
      const jitSince = jitCpuSince(e.brokerPid);
      if (phase === 1) restartMs = ready - starting;
      const watch = progressWatch(admin, config.processor.groupId, [
        config.topics.crmEvents,
        config.topics.deptEvents,
        config.topics.links,
      ]);
      await waitIdle(messaging, admin, config, Number(process.env['BENCH_IDLE_TIMEOUT_MS'] ?? 600_000));
      phases.push((await watch.stop()) - ready);
      brokerMicros.push(brokerSince());
      brokerJitMicros.push(jitSince());
      const used = await threads.stop();
      cpuMicros.push(used.cpuMicros);
      gcMicros.push(used.gcMicros);
      loopStallMs.push(used.loopStallMs);
      processCpuMicros.push(ownCpuSince(processCpu));
    }
    const topics = await admin.listTopics();
    await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    return {
      phasesMs: phases,
      restartMs,
      cpuMicros,
      gcMicros,
      loopStallMs,
      processCpuMicros,
      brokerMicros,
      brokerJitMicros,
    };
  } finally {
    await admin.disconnect();
  }
}

export async function throughputRun(
  e: Endpoints,
  profile: LoadProfile,
  o: {
    tickets: number;
    seed: number;
    partitions: number;
    threads: readonly number[];
    /**
     * Records (b)'s threads, and each of (a)'s pass-throughs, process untimed before each timed
     * run (at most as many as the run has); 0 for a cold start, Infinity for as many as the run.
     */
    warmupRecords: number;
  },
): Promise<ThroughputRun> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const config = await runConfig(e, 'throughput', { partitions: o.partitions, routing: routingFor(profile) });
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: config.kafka.clientId, logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  const rss = rssSampler();
  const load = generate(profile, o.tickets, o.seed);
  const events = load.crm.length + load.dept.length;
  // Other tickets than the timed load's (another seed), about warmupRecords events in all.
  const warmupTickets = Math.min(o.tickets, Math.round((o.warmupRecords * o.tickets) / events));
  const warmup = warmupTickets > 0 ? generate(profile, warmupTickets, o.seed + 1_000_003) : null;
  try {
    await provision(config, admin, serde);
    const processor: ({ threads: number } & PhaseFigures)[] = [];
    for (const threads of o.threads)
      processor.push({ threads, ...(await processorRun(e, profile, load, warmup, { ...o, threads })) });
    await feed(config, messaging, serde, load.crm);
    await feed(config, messaging, serde, load.dept);
    const inputs = [config.topics.crmEvents, config.topics.deptEvents];
    await admin.ensureTopics(
      inputs.flatMap((t) => ['raw-copy', 'avro-copy'].map((c) => ({ topic: `${t}.${c}`, partitions: o.partitions }))),
    );
    for (const [i, name] of (['crmEvents', 'deptEvents'] as const).entries()) {
      const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL[name]}.avsc`));
      await serde.register(subjectForTopic(`${inputs[i]}.avro-copy`), file.schema);
    }
    const raw = {
      brokers: e.brokers,
      brokerPid: e.brokerPid,
      inputs,
      outputOf: (t: string) => `${t}.raw-copy`,
      concurrency: o.partitions,
    };
    const avro = {
      ...raw,
      outputOf: (t: string) => `${t}.avro-copy`,
      avro: { serde, subjectOf: (t: string) => subjectForTopic(t) },
    };
    // (a) warms up as (b) does, on as many records, so that no runtime is timed while it still
    // compiles what it runs: an untimed pass of each kind first (a new group reads from the start).
    const baselineWarmup = Math.min(events, o.warmupRecords);
    if (baselineWarmup > 0) {
      await passThrough({ ...raw, total: baselineWarmup });
      await passThrough({ ...avro, total: baselineWarmup });
    }
    const rawRun = await passThrough({ ...raw, total: events });
    const avroRun = await passThrough({ ...avro, total: events });
    const topics = await admin.listTopics();
    await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    return {
      tickets: o.tickets,
      events,
      processor: processor.map((p) => {
        const ms = p.phasesMs.reduce((a, b) => a + b, 0);
        return {
          threads: p.threads,
          eventsPerSecond: Math.round((events / ms) * 1000),
          ms: Math.round(ms),
          phasesMs: p.phasesMs.map((x) => Math.round(x)),
          restartMs: Math.round(p.restartMs),
          cpuMicrosPerEvent: perEvent(sum(p.cpuMicros), events),
          processCpuMicrosPerEvent: perEvent(sum(p.processCpuMicros), events),
          phaseCpuMicrosPerEvent: [load.crm.length, load.dept.length].map((n, i) => ({
            threads: perEvent(p.cpuMicros[i] ?? Number.NaN, n),
            process: perEvent(p.processCpuMicros[i] ?? Number.NaN, n),
            gcPauses: {
              minor: perEvent(p.gcMicros[i]?.minor ?? Number.NaN, n),
              major: perEvent(p.gcMicros[i]?.major ?? Number.NaN, n),
            },
            broker: perEventOrNull(p.brokerMicros[i] ?? null, n),
            loopStallMs: p.loopStallMs[i] ?? Number.NaN,
          })),
          brokerCpuMicrosPerEvent: perEventOrNull(sumAll(p.brokerMicros), events),
          brokerJitShare: shareOrNull(sumAll(p.brokerJitMicros), sumAll(p.brokerMicros)),
        };
      }),
      rawEventsPerSecond: Math.round((rawRun.events / rawRun.ms) * 1000),
      avroEventsPerSecond: Math.round((avroRun.events / avroRun.ms) * 1000),
      peakRssMb: rss.stop(),
      warmupEvents: warmup ? warmup.crm.length + warmup.dept.length : 0,
      baselineWarmupEvents: baselineWarmup,
      rawCpu: rawRun.cpu,
      avroCpu: avroRun.cpu,
    };
  } finally {
    rss.stop();
    await admin.disconnect();
  }
}
