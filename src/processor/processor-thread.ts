// One processor thread of a ThreadedProcessor (threads.ts): a LifecycleProcessor of its own, with
// its own Kafka connections and consumer in the processor's group, in a worker thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadConfig } from '../config/index.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging } from '../messaging/index.ts';
import { createLogger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { faultHookFromEnv } from './fault-hooks.ts';
import { LifecycleProcessor } from './processor.ts';
import {
  STATUS_EVERY_MS,
  STOPPED,
  type FromThread,
  type Method,
  type MetricsSnapshot,
  type ThreadSetup,
  type ToThread,
} from './thread-protocol.ts';

if (!parentPort) throw new Error('processor-thread.ts runs as a worker thread of ThreadedProcessor');
const port: MessagePort = parentPort;
const setup = workerData as ThreadSetup;
const send = (message: FromThread) => port.postMessage(message);

const loaded = await loadConfig(setup.configFile, { ...setup.env });
const config = { ...loaded, policy: { ...loaded.policy, served: setup.served } };
const logger = createLogger({ name: 'closeloop-processor', level: setup.logLevel }).child({ thread: setup.index });
// Without Node's process metrics: the main thread's registry has them once, for the whole process.
const metrics = setup.metrics ? new Metrics({ defaults: false }) : undefined;
// Released by the main thread's 'join', once every thread is ready (see threads.ts).
let join = () => {};
const joined = new Promise<void>((resolve) => (join = resolve));

const faultThread = setup.env['CLOSELOOP_FAULT_THREAD'];
const commitHook =
  faultThread === undefined || Number(faultThread) === setup.index ? faultHookFromEnv(setup.env) : undefined;
const processor = new LifecycleProcessor({
  config,
  logger,
  messaging: createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-t${setup.index}`,
    logger,
  }),
  serde: new AvroSerde({ ...config.schemaRegistry }),
  schemasDir: setup.schemasDir,
  ...(metrics ? { metrics } : {}),
  ...(commitHook ? { commitHook } : {}),
  beforeJoin: () => {
    send({ type: 'prepared' });
    return joined;
  },
  // The main thread moved them before it started the threads (threads.ts).
  placeStates: false,
});

let partitions: number[] | null = null;
let assignments = 0;
function report(): void {
  send({
    type: 'status',
    status: {
      ready: processor.isReady(),
      health: processor.consumerHealth(),
      tickets: [...processor.ticketsInState()],
      partitions,
      assignments,
      stuck: processor.stuckTickets(),
    },
  });
  if (metrics) void metrics.registry.getMetricsAsJSON().then((snapshot) => send({ type: 'metrics', snapshot }));
}
function watchAssignments(): void {
  void processor.nextAssignment().then((owned) => {
    partitions = owned;
    assignments += 1;
    report();
    watchAssignments();
  });
}

async function call(method: Method): Promise<number | MetricsSnapshot> {
  switch (method) {
    case 'expire':
      return processor.expireNow();
    case 'timers':
      return processor.checkTimersNow();
    case 'metrics':
      return metrics ? metrics.registry.getMetricsAsJSON() : [];
  }
}

/**
 * Ends the thread once its processor has stopped and its log is written. The thread then ends
 * of itself (code STOPPED) once nothing holds it; should a client still hold a socket open, it
 * is ended a second later: a stop must not hang on that (process.exit in a worker thread ends
 * that thread only).
 */
async function stop(): Promise<void> {
  clearInterval(statusTimer);
  let code = STOPPED;
  try {
    await processor.stop();
  } catch (err) {
    logger.error({ error: messageOf(err) }, 'processor thread did not stop cleanly');
    code = 1;
  }
  process.exitCode = code;
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  port.close();
  setTimeout(() => process.exit(code), 1_000).unref();
}

port.on('message', (message: ToThread) => {
  if (message.type === 'join') return join();
  if (message.type === 'stop') return void stop();
  call(message.method).then(
    (value) => send({ type: 'reply', id: message.id, value }),
    (err: unknown) => send({ type: 'call-failed', id: message.id, error: messageOf(err) }),
  );
});

const statusTimer = setInterval(report, STATUS_EVERY_MS);
watchAssignments();
try {
  await processor.start();
  send({ type: 'started' });
  report();
} catch (err) {
  send({ type: 'start-failed', error: messageOf(err), code: err instanceof CloseloopError ? err.code : null });
  await stop();
}
