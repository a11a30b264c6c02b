import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type CloseloopConfig } from '../../src/config/index.ts';
import type { InboundEvent } from '../../src/domain/index.ts';
import {
  AvroSerde,
  readSchemaFile,
  subjectForTopic,
  type IncomingRecord,
  type Messaging,
  type MessagingAdmin,
} from '../../src/messaging/index.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { LifecycleProcessor, failAfterCommit, type CommitHook } from '../../src/processor/index.ts';
import { CANONICAL, topicSpecs } from '../../src/topics/index.ts';
import { endpoints, testMessaging, uniqueName } from './kafka.ts';
import type { Cleanup } from './cleanup.ts';
import { untilAsync, within } from './wait.ts';

export const SCHEMAS = path.resolve('schemas');

/** The shipped config, pointed at the test stack, with topics and group unique to one test. */
export interface TestConfigExtras {
  readonly connectors?: readonly { name: string; config: Record<string, unknown> }[];
  /** Another broker than the shared test stack's (a test that restarts its broker). */
  readonly brokers?: string;
  /** Another registry than the shared test stack's (unit tests: a loopback one). */
  readonly registryUrl?: string;
  /** SLA policies (as in config/sla/policies.yaml) on the shipped Baltimore calendar. */
  readonly slaPolicies?: Record<string, unknown>;
  /**
   * The stuck-ticket sentinel's section; the shipped defaults when left out, `off` (or null, as
   * tests wrote before the config took `off`) turns it off.
   */
  readonly sentinel?: Record<string, unknown> | 'off' | null;
  /** The reconcile section (reconciliation's policy, rate and schedule); the defaults when left out. */
  readonly reconcile?: Record<string, unknown>;
  /** processor.threads; 1 when left out. */
  readonly threads?: number;
  /** Writes a roles file naming a service owner, coordinator and manager for each routed department. */
  readonly roles?: boolean;
  /** The ops port (`http`); none when left out. */
  readonly http?: { readonly host: string; readonly port: number };
  /** processor.slaCheckIntervalMs, the SLA and sentinel sweep's period; the default when left out. */
  readonly slaCheckIntervalMs?: number;
  /** The jurisdiction; `testville` when left out (an import's mapping must name the same). */
  readonly jurisdiction?: string;
}

export async function testConfig(
  partitions = 3,
  retentionDays = 30,
  extras: TestConfigExtras = {},
): Promise<{ config: CloseloopConfig; file: string }> {
  const base = uniqueName('it');
  const topics = {
    crmEvents: `${base}.crm.ticket-events.v1`,
    deptEvents: `${base}.dept.work-order-events.v1`,
    links: `${base}.bridge.ticket-links.v1`,
    operatorCommands: `${base}.bridge.operator-commands.v1`,
    deliveries: `${base}.bridge.deliveries.v1`,
    alerts: `${base}.bridge.alerts.v1`,
    commands: `${base}.bridge.work-order-commands.v1`,
    status: `${base}.bridge.ticket-status.v1`,
    state: `${base}.bridge.ticket-state.v1`,
    quarantine: `${base}.bridge.quarantine.v1`,
    kpi: `${base}.bridge.kpi.v1`,
    cursors: `${base}.connector-cursors`,
    dlqReplays: `${base}.dlq-replays`,
    drift: `${base}.bridge.drift.v1`,
  };
  // Unit tests name both, so the integration stack's endpoints are not asked for.
  const { brokers, registryUrl } =
    extras.brokers !== undefined && extras.registryUrl !== undefined
      ? { brokers: extras.brokers, registryUrl: extras.registryUrl }
      : endpoints();
  const yaml = {
    jurisdiction: extras.jurisdiction ?? 'testville',
    kafka: { brokers: [extras.brokers ?? brokers], clientId: base },
    schemaRegistry: { url: extras.registryUrl ?? registryUrl },
    topics,
    // The broker's minimum session timeout, so a killed instance's partitions move quickly.
    processor: {
      groupId: `${base}.processor`,
      partitions,
      threads: extras.threads ?? 1,
      retentionDays,
      expiryIntervalMs: 3_600_000,
      sessionTimeoutMs: 6_000,
      ...(extras.slaCheckIntervalMs !== undefined ? { slaCheckIntervalMs: extras.slaCheckIntervalMs } : {}),
    },
    statusMappings: ['posse', 'maximo', 'sap-pm'].map((m) => path.resolve('config/status-mappings', `${m}.yaml`)),
    routing: {
      defaultPriority: 3,
      // A worker refuses routes no connector of its config serves; processor-only tests route
      // to every mapped system.
      services: (extras.connectors
        ? { GRASS: [{ department: 'housing', system: 'posse' }] }
        : {
            POTHOLE: [{ department: 'transportation', system: 'maximo' }],
            GRASS: [{ department: 'housing', system: 'posse' }],
            WATER: [{ department: 'public-works', system: 'sap-pm' }],
          }) as Record<string, { department: string; system: string }[]>,
    },
    connectors: extras.connectors ?? [],
    ...(extras.roles ? { roles: `${base}.roles.yaml` } : {}),
    ...(extras.http ? { http: extras.http } : {}),
    ...(extras.sentinel !== undefined ? { sentinel: extras.sentinel ?? 'off' } : {}),
    ...(extras.reconcile ? { reconcile: extras.reconcile } : {}),
    ...(extras.slaPolicies
      ? { sla: { calendars: [path.resolve('config/calendars/baltimore.yaml')], policies: `${base}.sla.yaml` } }
      : {}),
  };
  const file = path.join(tmpdir(), `${base}.yaml`);
  if (extras.slaPolicies) await writeFile(path.join(tmpdir(), `${base}.sla.yaml`), stringify(extras.slaPolicies));
  if (extras.roles)
    await writeFile(path.join(tmpdir(), `${base}.roles.yaml`), stringify(rolesFor(yaml.routing.services)));
  await writeFile(file, stringify(yaml));
  return { config: await loadConfig(file, {}), file };
}

/** Accountable roles for every department the routing names, confirmed today. */
function rolesFor(services: Record<string, readonly { department: string }[]>): Record<string, unknown> {
  const confirmed = new Date().toISOString().slice(0, 10);
  const holder = (department: string, role: string) => ({
    name: `${department} ${role}`,
    mailbox: `${department}-311-${role.toLowerCase().replace(/ /g, '-')}@city.example`,
    confirmed,
  });
  const departments = [...new Set(Object.values(services).flatMap((ts) => ts.map((t) => t.department)))];
  return {
    departments: Object.fromEntries(
      departments.map((d) => [
        d,
        {
          serviceOwner: holder(d, 'Service Owner'),
          programCoordinator: holder(d, 'Program Coordinator'),
          programManager: holder(d, 'Program Manager'),
        },
      ]),
    ),
  };
}

export function testProcessor(
  config: CloseloopConfig,
  messaging: Messaging = testMessaging(),
  clock?: () => number,
  faults: {
    readonly failAfterCommit?: number;
    readonly metrics?: Metrics;
    readonly commitHook?: CommitHook;
    /** Where the processor logs (a flight recorder's); silent unless LOG_LEVEL says otherwise. */
    readonly logger?: Logger;
    /** The registry the processor reads through (a RegistryGate's), instead of the test stack's. */
    readonly registryUrl?: string;
  } = {},
): LifecycleProcessor {
  const logger = faults.logger ?? createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  return new LifecycleProcessor({
    config,
    logger,
    messaging,
    serde: new AvroSerde({ url: faults.registryUrl ?? endpoints().registryUrl }),
    schemasDir: SCHEMAS,
    ...(clock ? { clock } : {}),
    ...(faults.metrics ? { metrics: faults.metrics } : {}),
    ...(faults.failAfterCommit ? { commitHook: failAfterCommit(faults.failAfterCommit) } : {}),
    ...(faults.commitHook ? { commitHook: faults.commitHook } : {}),
  });
}

const TOPIC_OF = {
  crm: 'crmEvents',
  dept: 'deptEvents',
  link: 'links',
  operator: 'operatorCommands',
  receipt: 'deliveries',
} as const satisfies Record<InboundEvent['type'], keyof CloseloopConfig['topics']>;

/** Produces domain events to the processor's input topics, Avro-encoded through the registry. */
export async function feed(
  config: CloseloopConfig,
  messaging: Messaging,
  events: readonly InboundEvent[],
): Promise<void> {
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  // As source connectors would: the topics exist and the input schemas are registered first.
  const admin = messaging.admin();
  await admin.connect();
  await admin.ensureTopics(topicSpecs(config));
  await admin.disconnect();
  for (const name of ['crmEvents', 'deptEvents', 'operatorCommands', 'deliveries'] as const) {
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL[name]}.avsc`));
    await serde.register(subjectForTopic(config.topics[name]), file.schema);
  }
  const producer = messaging.producer();
  await producer.connect();
  try {
    for (const e of events) {
      const topic = config.topics[TOPIC_OF[e.type]];
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      await producer.send(topic, [{ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) }]);
    }
  } finally {
    await producer.disconnect();
  }
}

const END = '__closeloop_end__';

/**
 * Everything committed to `topic` so far: appends an end marker to each partition and reads
 * until every marker is seen, so nothing committed before can be missed and nothing is guessed
 * by waiting. Call it once the writers are stopped. Each call has its own marker, and markers of
 * earlier calls are skipped, so a topic can be read again after more was written.
 */
export async function readCommittedRaw(messaging: Messaging, topic: string): Promise<IncomingRecord[]> {
  // Every call to the broker bounded and named: a stalled read says which step stalled.
  const bounded = <T>(what: string, work: Promise<T>) => within(`reading ${topic}: ${what}`, 20_000, work);
  const admin = messaging.admin();
  await bounded('admin connect', admin.connect());
  const partitions = (await bounded('end offsets', admin.topicOffsets(topic))).map((p) => p.partition);
  await bounded('admin disconnect', admin.disconnect());
  const marker = `${END}${randomUUID()}`;
  const producer = messaging.producer();
  await bounded('producer connect', producer.connect());
  await bounded(
    'end markers sent',
    producer.send(
      topic,
      partitions.map((partition) => ({ key: marker, value: Buffer.from(END), partition })),
    ),
  );
  await bounded('producer disconnect', producer.disconnect());

  const consumer = messaging.consumer({ groupId: uniqueName('reader') });
  const records: IncomingRecord[] = [];
  const open = new Set(partitions);
  await bounded('consumer connect', consumer.connect());
  await bounded('subscribe', consumer.subscribe([topic], { fromBeginning: true }));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`end markers of ${topic} not all seen`)), 30_000);
      consumer
        .run({
          eachBatch: async (batch) => {
            for (const r of batch.records) {
              const key = r.key?.toString() ?? '';
              if (key === marker) open.delete(r.partition);
              else if (open.has(r.partition) && !key.startsWith(END)) records.push(r);
            }
            if (open.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    // Also when the markers did not all come: the reader leaves its group either way.
    await bounded('consumer disconnect', consumer.disconnect());
  }
  return records;
}

export async function readCommitted<T>(
  messaging: Messaging,
  topic: string,
): Promise<{ records: IncomingRecord[]; values: T[] }> {
  const records = await readCommittedRaw(messaging, topic);
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  const values: T[] = [];
  for (const r of records) values.push((await serde.decode<T>(r.value)).value);
  return { records, values };
}

/** Waits until `count` records are committed on `topic` (reading with a fresh group). */
export async function awaitCount(
  messaging: Messaging,
  topic: string,
  count: number,
  // Below the tests' own 60 s, so a wait that fails says where it stopped, and how far it got.
  timeoutMs = 45_000,
): Promise<void> {
  const consumer = messaging.consumer({ groupId: uniqueName('watch') });
  let seen = 0;
  await within(`connecting a consumer to count ${topic}`, 20_000, consumer.connect());
  await within(`subscribing a consumer to ${topic}`, 20_000, consumer.subscribe([topic], { fromBeginning: true }));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} records on ${topic}`)), timeoutMs);
      consumer
        .run({
          eachBatch: async (batch) => {
            seen += batch.records.length;
            if (seen >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await within(`disconnecting the consumer that counted ${topic}`, 20_000, consumer.disconnect());
  }
}

/**
 * Feeds one causal step (e.g. all OPENED events, then the department events that can only
 * follow them) into both the real pipeline and the in-memory expectation, then waits until the
 * pipeline has committed as many statuses as expected. Events on different topics are not
 * ordered against each other, so steps that depend on each other must not share a feed.
 */
export async function step(
  config: CloseloopConfig,
  messaging: Messaging,
  expected: { send(e: InboundEvent): unknown; statuses: readonly unknown[] },
  events: readonly InboundEvent[],
  timeoutMs = 45_000,
): Promise<void> {
  for (const e of events) expected.send(e);
  await feed(config, messaging, events);
  if (expected.statuses.length > 0)
    await awaitCount(messaging, config.topics.status, expected.statuses.length, timeoutMs);
}

/**
 * Waits until `groupId` has committed offsets at the end `topic` had when called: the processor
 * has taken everything written before. Reads offsets, so nothing is guessed by waiting.
 */
export async function untilConsumed(
  admin: MessagingAdmin,
  groupId: string,
  topic: string,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const ends = await admin.topicOffsets(topic);
  await untilAsync(
    what,
    async () => {
      const read = await admin.groupOffsets(groupId, topic);
      return ends.every((e) => BigInt(read.find((r) => r.partition === e.partition)?.offset ?? '-1') >= BigInt(e.high));
    },
    timeoutMs,
  );
}

/**
 * A processor of `partitions` on fresh topics, started once the inputs' topics and schemas are
 * there as a source would leave them, with a producer to write its input; both go at teardown.
 */
export async function startedProcessor(cleanup: Cleanup, partitions: number) {
  const messaging = testMessaging();
  const { config } = await testConfig(partitions);
  const processor = testProcessor(config, messaging);
  cleanup.push(() => processor.stop());
  await feed(config, messaging, []);
  await processor.start();
  const producer = messaging.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  return { messaging, config, processor, producer };
}
