// One of the bench's processor threads (processor-threads.ts): runs lifecycle processors one after
// another, each on the config file it is told, in this one thread and so in one V8 isolate that
// stays warm from one processor to the next, as a long-running processor thread is.
import { PerformanceObserver, constants, monitorEventLoopDelay, type PerformanceEntry } from 'node:perf_hooks';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { loadConfig } from '../src/config/index.ts';
import { messageOf } from '../src/errors/index.ts';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LifecycleProcessor } from '../src/processor/index.ts';
import type { FromBenchThread, ToBenchThread } from './processor-threads.ts';

if (!parentPort) throw new Error('bench/processor-thread.ts runs as a worker thread of processor-threads.ts');
const port = parentPort;
const { index, schemasDir, logLevel } = workerData as { index: number; schemasDir: string; logLevel: string };
const send = (m: FromBenchThread) => port.postMessage(m);
const logger = createLogger({ name: 'bench-processor', level: logLevel }).child({ thread: index });

let current: { processor: LifecycleProcessor; join: () => void } | null = null;
// This thread's CPU time from its processor's first assignment restored (when work starts).
let cpuFrom: number | null = null;
// And when that was, on this thread's clock, for its garbage collections from then on.
let workFrom: number | null = null;
const cpuNow = () => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

// This isolate's garbage collection pauses, as V8 reports them to it (the part of each
// collection that stops the thread; the parallel and concurrent part runs on V8's own threads).
const collections: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => collections.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });

// How late this thread's event loop ran its timers, from work's start: the longest is how long
// the processor kept the loop (and so its heartbeats, sweeps and I/O answers) waiting.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

/** The pauses since work started, µs: young-generation (scavenges) and the others (marking, compaction). */
function pausesSinceWork(): { minor: number; major: number } {
  collections.push(...gcObserver.takeRecords());
  const pauses = { minor: 0, major: 0 };
  for (const e of collections.splice(0)) {
    if (workFrom === null || e.startTime < workFrom) continue;
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    pauses[kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'major'] += e.duration * 1000;
  }
  return pauses;
}

async function start(configFile: string): Promise<void> {
  const config = await loadConfig(configFile, { ...process.env });
  let join = () => {};
  const joined = new Promise<void>((resolve) => (join = resolve));
  const processor = new LifecycleProcessor({
    config,
    logger,
    messaging: createKafkaMessaging({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-t${index}`,
      logger,
    }),
    serde: new AvroSerde({ ...config.schemaRegistry }),
    schemasDir,
    // The threads join the group together, as ThreadedProcessor's do.
    beforeJoin: () => {
      send({ type: 'prepared' });
      return joined;
    },
  });
  current = { processor, join };
  cpuFrom = null;
  workFrom = null;
  void processor.nextAssignment().then(
    () => {
      cpuFrom = cpuNow();
      workFrom = performance.now();
      loopDelay.reset();
      loopDelay.enable();
      send({ type: 'assigned' });
    },
    () => undefined,
  );
  await processor.start();
  send({ type: 'started', threadId });
}

async function stop(): Promise<void> {
  const was = current;
  current = null;
  const cpuMicros = cpuFrom === null ? 0 : cpuNow() - cpuFrom;
  const gcMicros = pausesSinceWork();
  loopDelay.disable();
  // The histogram's max is 0 when it saw no delay at all (or work never started).
  const loopStallMs = cpuFrom === null ? 0 : Math.round(loopDelay.max / 1e6);
  await was?.processor.stop();
  send({ type: 'stopped', cpuMicros, gcMicros, loopStallMs });
}

port.on('message', (m: ToBenchThread) => {
  if (m.type === 'join') return current?.join();
  const step = m.type === 'start' ? start(m.configFile) : stop();
  step.catch((err: unknown) => send({ type: 'failed', error: messageOf(err) }));
});
