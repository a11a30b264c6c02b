// What every scenario needs: the stack, a run's own topics and config, Avro feeding, progress
// watching through committed group offsets, and an RSS sampler.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { TOPIC_KEYS, loadConfig, type CloseloopConfig } from '../src/config/index.ts';
import { nearestRank } from '../src/domain/kpi/index.ts';
import { withRetry } from '../src/errors/index.ts';
import type { InboundEvent, RouteTarget } from '../src/domain/index.ts';
import type { AvroSerde } from '../src/messaging/index.ts';
import { readSchemaFile, subjectForTopic, type Messaging, type MessagingAdmin } from '../src/messaging/index.ts';
import { CANONICAL, topicSpecs } from '../src/topics/index.ts';
import { loadStackConfig } from '../stack/config.ts';
import { kafkaPid } from '../stack/kafka.ts';
import { stackUp } from '../stack/stack.ts';
import { runFolder } from './run-folder.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const SCHEMAS = path.join(ROOT, 'schemas');

export interface Endpoints {
  readonly brokers: string;
  readonly registryUrl: string;
  /** The broker's process when it is the local stack's, for its CPU time (cpu-meter.ts). */
  readonly brokerPid?: number;
}

/** KAFKA_BROKERS / SCHEMA_REGISTRY_URL when set, else the local JVM stack, started if needed. */
export async function endpoints(log: (l: string) => void): Promise<Endpoints> {
  const brokers = process.env['KAFKA_BROKERS'];
  const registryUrl = process.env['SCHEMA_REGISTRY_URL'];
  if (brokers && registryUrl) {
    // Named by the environment, the broker may still be the local stack's, started by hand.
    const stack = (() => {
      try {
        return loadStackConfig();
      } catch {
        return null;
      }
    })();
    const pid = stack && brokers === stack.brokers ? await kafkaPid(stack) : undefined;
    return { brokers, registryUrl, ...(pid !== undefined ? { brokerPid: pid } : {}) };
  }
  const stack = loadStackConfig();
  const up = await stackUp(stack, (l) => log(`stack: ${l}`));
  const pid = await kafkaPid(stack);
  return { brokers: up.brokers, registryUrl: up.registryUrl, ...(pid !== undefined ? { brokerPid: pid } : {}) };
}

export interface RunConfigOptions {
  readonly partitions: number;
  /** processor.threads; 1 when left out. */
  readonly threads?: number;
  readonly routing: Record<string, RouteTarget[]>;
  readonly connectors?: readonly {
    name: string;
    pollIntervalMs?: number;
    webhook?: { tokenEnv: string };
    config: Record<string, unknown>;
  }[];
}

/** A config of the shipped kind with topics and groups of this run only. */
export async function runConfig(e: Endpoints, name: string, o: RunConfigOptions): Promise<CloseloopConfig> {
  return (await runConfigFile(e, name, o)).config;
}

/** As runConfig, with the file it wrote, for processes the bench starts (scale-out). */
export async function runConfigFile(
  e: Endpoints,
  name: string,
  o: RunConfigOptions,
): Promise<{ config: CloseloopConfig; file: string }> {
  const run = `bench.${name}.${Date.now().toString(36)}`;
  const file = path.join(runFolder(), `${run}.yaml`);
  await writeFile(
    file,
    stringify({
      jurisdiction: 'baltimore',
      kafka: { brokers: [e.brokers], clientId: run },
      schemaRegistry: { url: e.registryUrl },
      topics: Object.fromEntries(TOPIC_KEYS.map((k) => [k, `${run}.${k}`])),
      processor: {
        groupId: `${run}.processor`,
        partitions: o.partitions,
        threads: o.threads ?? 1,
        sessionTimeoutMs: 10_000,
      },
      statusMappings: ['posse', 'maximo', 'sap-pm'].map((m) => path.join(ROOT, 'config/status-mappings', `${m}.yaml`)),
      routing: { defaultPriority: 3, services: o.routing },
      connectors: o.connectors ?? [],
      // SLA clocks run as in production: every ticket gets the shipped default policy.
      sla: { calendars: [path.join(ROOT, 'config/calendars/baltimore.yaml')], policies: `${run}.sla.yaml` },
    }),
  );
  const policies = await readFile(path.join(ROOT, 'config/sla/policies.yaml'), 'utf8');
  await writeFile(path.join(runFolder(), `${run}.sla.yaml`), stringify({ default: parse(policies).default }));
  return { config: await loadConfig(file, {}), file };
}

/** Creates the run's topics and registers the input schemas, as source connectors would. */
export async function provision(config: CloseloopConfig, admin: MessagingAdmin, serde: AvroSerde): Promise<void> {
  // A stack the bench has just started may not lead new partitions yet; creation is idempotent.
  await withRetry(() => admin.ensureTopics(topicSpecs(config)));
  for (const name of ['crmEvents', 'deptEvents'] as const) {
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL[name]}.avsc`));
    // The local registry shares two cores with a busy broker and bench: it has stalled past the
    // client's 10 s timeout between scenarios. register waits that out itself (registration.ts).
    await serde.register(subjectForTopic(config.topics[name]), file.schema);
  }
}

/** Produces events Avro-encoded to the processor's input topics, in chunks. */
export async function feed(
  config: CloseloopConfig,
  messaging: Messaging,
  serde: AvroSerde,
  events: readonly InboundEvent[],
): Promise<void> {
  await produceFeed(messaging, await encodeFeed(config, serde, events));
}

/** One produce request's worth of a feed: records by input topic, each topic's in feed order. */
export type FeedChunk = ReadonlyMap<string, readonly { key: string; value: Buffer }[]>;

/**
 * The events as a source connector would write them, Avro-encoded and grouped for producing.
 * Split from producing so that a scenario timing the processor while its input is fed
 * (scale-out) can encode before the clock starts: encoding is about 40 % of the feeder's CPU
 * (1.7 µs an event here, producing 2.8), spent on the cores the processors need.
 */
export async function encodeFeed(
  config: CloseloopConfig,
  serde: AvroSerde,
  events: readonly InboundEvent[],
  chunkSize = 1_000,
): Promise<FeedChunk[]> {
  const chunks: FeedChunk[] = [];
  for (let i = 0; i < events.length; i += chunkSize) {
    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    for (const e of events.slice(i, i + chunkSize)) {
      const topic = e.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      const list = byTopic.get(topic) ?? [];
      list.push({ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) });
      byTopic.set(topic, list);
    }
    chunks.push(byTopic);
  }
  return chunks;
}

/** Produces encoded chunks one after another, so a ticket's events keep their order. */
export async function produceFeed(messaging: Messaging, chunks: readonly FeedChunk[]): Promise<void> {
  const producer = messaging.producer();
  await producer.connect();
  try {
    for (const byTopic of chunks) {
      await Promise.all([...byTopic].map(([topic, records]) => producer.send(topic, records)));
    }
  } finally {
    await producer.disconnect();
  }
}

/** Resolves once the group has committed offsets up to the end of `topic` (all partitions). */
export async function waitCaughtUp(
  admin: MessagingAdmin,
  groupId: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  const ends = new Map((await admin.topicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const committed = await admin.groupOffsets(groupId, topic);
    const behind = [...ends].filter(
      ([p, end]) => BigInt(committed.find((c) => c.partition === p)?.offset ?? '-1') < end,
    );
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not catch up on ${topic} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Samples resident set size while a scenario runs; peak in MB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.round((Math.max(peak, process.memoryUsage.rss()) / 1_048_576) * 10) / 10;
    },
  };
}

export function heapUsedMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}

/** The nearest-rank median, the same definition the KPIs use; NaN for no values. */
export function median(values: readonly number[]): number {
  return nearestRank(values, 50) ?? Number.NaN;
}
