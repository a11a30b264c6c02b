// One of the bench's processor threads (processor-threads.ts): runs lifecycle processors one after
// another, each on the config file it is told, in this one thread and so in one V8 isolate that
// stays warm from one processor to the next, as a long-running processor thread is.
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
const cpuNow = () => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

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
  void processor.nextAssignment().then(
    () => {
      cpuFrom = cpuNow();
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
  await was?.processor.stop();
  send({ type: 'stopped', cpuMicros });
}

port.on('message', (m: ToBenchThread) => {
  if (m.type === 'join') return current?.join();
  const step = m.type === 'start' ? start(m.configFile) : stop();
  step.catch((err: unknown) => send({ type: 'failed', error: messageOf(err) }));
});
