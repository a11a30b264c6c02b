import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { KAFKA_VERSION, type StackConfig } from './config.ts';
import { ensureKafka } from './artifacts.ts';
import { findJava } from './java.ts';
import { ownedPid, run, spawnDetached, stopOwned, waitUntilReady, writePid } from './proc.ts';

// Base64 of 16 bytes, as KRaft wants; fixed so `--ignore-formatted` re-uses the same storage.
const CLUSTER_ID = 'Y2xvc2Vsb29wLWxvY2FsMQ';
const READINESS_TOPIC = '__closeloop_readiness';

export interface KafkaPaths {
  readonly dir: string;
  /** The broker's `log.dirs`: one folder per partition. */
  readonly data: string;
  readonly properties: string;
  readonly log: string;
  readonly pid: string;
}

export function kafkaPaths(cfg: StackConfig): KafkaPaths {
  return {
    dir: path.join(cfg.runDir, 'kafka'),
    data: path.join(cfg.runDir, 'kafka', 'data'),
    properties: path.join(cfg.runDir, 'kafka', 'server.properties'),
    log: path.join(cfg.runDir, 'logs', 'kafka.log'),
    pid: path.join(cfg.runDir, 'run', 'kafka.pid'),
  };
}

function serverProperties(cfg: StackConfig, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${cfg.kafkaControllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort},CONTROLLER://127.0.0.1:${cfg.kafkaControllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // A single node cannot meet the default replication of 3 for internal topics; without
    // these, consumer groups loop on "coordinator not available" and transactions hang.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
    // A partition's active segment maps its offset and time indexes, preallocated to this size
    // and sparse. On a disk with a large read-ahead (8 MiB on some cloud VMs), the first write
    // fault in each reads the holes ahead and the kernel zeroes them: with the default 10 MiB,
    // up to 8 MiB per index of a fresh partition, and tests and the bench make fresh topics all
    // the time. A segment rolls at about 340 MiB of log instead.
    'log.index.size.max.bytes=1048576',
    // Topics are provisioned explicitly; a typo must fail rather than create a stray topic.
    'auto.create.topics.enable=false',
    // The broker aborts a transaction that outlived its timeout at its next look, every 10 s by
    // default; the conformance suite's case of it then waits that long on top of the timeout.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
    '',
  ].join('\n');
}

export async function kafkaPid(cfg: StackConfig): Promise<number | undefined> {
  const paths = kafkaPaths(cfg);
  // The command line names our own properties file, so a reused pid is never mistaken for ours.
  return ownedPid(paths.pid, paths.properties);
}

export async function startKafka(cfg: StackConfig, log: (line: string) => void): Promise<number> {
  const paths = kafkaPaths(cfg);
  const existing = await kafkaPid(cfg);
  if (existing !== undefined) return existing;
  const java = await findJava(17, 'CLOSELOOP_KAFKA_JAVA', `Kafka ${KAFKA_VERSION}`);
  const { libs } = await ensureKafka(cfg, log);
  await mkdir(paths.data, { recursive: true });
  await mkdir(path.dirname(paths.log), { recursive: true });
  await mkdir(path.dirname(paths.pid), { recursive: true });
  await writeFile(paths.properties, serverProperties(cfg, paths.data));
  const classpath = `${libs}/*`;
  const log4j = `-Dlog4j.configuration=file:${path.join(cfg.repoRoot, 'stack', 'kafka', 'log4j.properties')}`;
  await run(
    java.bin,
    [
      log4j,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      CLUSTER_ID,
      '-c',
      paths.properties,
      '--ignore-formatted',
    ],
    { what: 'formatting Kafka storage' },
  );
  const pid = spawnDetached(
    java.bin,
    [
      '-Xmx1g',
      '-Xms256m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      log4j,
      '-cp',
      classpath,
      'kafka.Kafka',
      paths.properties,
    ],
    paths.dir,
    paths.log,
  );
  await writePid(paths.pid, pid);
  return pid;
}

/**
 * Ready means an admin client can describe the cluster and create a topic: an open port
 * alone is reported long before the KRaft controller has elected itself.
 */
export async function waitForKafka(cfg: StackConfig, pid: number | undefined, timeoutMs: number): Promise<void> {
  const { log } = kafkaPaths(cfg);
  await waitUntilReady({
    what: 'Kafka',
    endpoint: cfg.brokers,
    pid,
    logFile: log,
    timeoutMs,
    probe: () => probeKafka(cfg),
  });
}

export async function probeKafka(cfg: StackConfig): Promise<void> {
  const messaging = createKafkaMessaging({
    brokers: [cfg.brokers],
    clientId: 'closeloop-stack-probe',
    logger: createLogger({ level: 'silent' }),
    // A loaded machine can take over a second to accept; waitUntilReady and status retry.
    connectionTimeoutMs: 3_000,
    retries: 0,
  });
  const admin = messaging.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
    await admin.ensureTopics([{ topic: READINESS_TOPIC }]);
    const offsets = await admin.topicOffsets(READINESS_TOPIC);
    if (offsets.length === 0) throw new Error('readiness topic has no partition yet');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function stopKafka(cfg: StackConfig): Promise<boolean> {
  const paths = kafkaPaths(cfg);
  return stopOwned(paths.pid, paths.properties, 30_000);
}
