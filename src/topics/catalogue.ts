import { deadLetterTopic, type TopicSpec } from '../messaging/index.ts';
import type { Topics } from './schema.ts';

/**
 * The one catalogue of topics. Every topic any stage writes — inputs, outputs, the changelog,
 * each dead-letter topic, the repartition topics, the replay audit and the connector cursors —
 * is derived here from the config and provisioned at start-up, so no stage can find a topic
 * missing (the broker's auto-create is off) and the operator tools act on exactly these.
 */

/** Topics with an Avro schema, by config key, named as the .avsc files under schemas/ are. */
export const CANONICAL = {
  crmEvents: 'crm.ticket-events.v1',
  deptEvents: 'dept.work-order-events.v1',
  links: 'bridge.ticket-links.v1',
  operatorCommands: 'bridge.operator-commands.v1',
  commands: 'bridge.work-order-commands.v1',
  status: 'bridge.ticket-status.v1',
  state: 'bridge.ticket-state.v1',
  quarantine: 'bridge.quarantine.v1',
  kpi: 'bridge.kpi.v1',
  deliveries: 'bridge.deliveries.v1',
  alerts: 'bridge.alerts.v1',
  drift: 'bridge.drift.v1',
} as const satisfies Partial<Record<keyof Topics, string>>;

export type BridgeTopic = keyof typeof CANONICAL;

/**
 * The full name of the record each topic carries, as its shipped .avsc names it (the contract
 * tests hold the two together). Readers check the writer schema against it, so a valid record of
 * another topic's schema is dead-lettered as such instead of being read with its fields missing.
 */
export const RECORD_NAMES = {
  crmEvents: 'io.closeloop.v1.CrmTicketEvent',
  deptEvents: 'io.closeloop.v1.WorkOrderEvent',
  links: 'io.closeloop.v1.TicketLinkMessage',
  operatorCommands: 'io.closeloop.v1.OperatorCommand',
  commands: 'io.closeloop.v1.WorkOrderCommand',
  status: 'io.closeloop.v1.TicketStatusChange',
  state: 'io.closeloop.v1.TicketStateRecord',
  quarantine: 'io.closeloop.v1.QuarantineRecord',
  kpi: 'io.closeloop.v1.KpiRecord',
  deliveries: 'io.closeloop.v1.DeliveryReceipt',
  alerts: 'io.closeloop.v1.Alert',
  drift: 'io.closeloop.v1.DriftRecord',
} as const satisfies Record<BridgeTopic, string>;

/**
 * The lifecycle processor's inputs, co-partitioned: partition p of each forms task p. Operator
 * commands come this way because the task owning a ticket is the only one that may change it;
 * sinks' delivery receipts, because the ticket's task tracks what the CRM has confirmed.
 */
export const INPUTS = ['crmEvents', 'deptEvents', 'links', 'operatorCommands', 'deliveries'] as const;
export type InputName = (typeof INPUTS)[number];

/** Inputs that producers outside closeloop write to, with partitioners of their own. */
export const FOREIGN_INPUTS = ['crmEvents', 'deptEvents'] as const satisfies readonly InputName[];
export type ForeignInput = (typeof FOREIGN_INPUTS)[number];

/** Topics a connector's sink consumes; their records are dead-lettered by the sink runner. */
export const SINK_INPUTS = ['status', 'commands'] as const satisfies readonly BridgeTopic[];

export type TopicRole = 'input' | 'output' | 'changelog' | 'dead-letter' | 'repartition' | 'audit' | 'cursors';

export interface CatalogueEntry {
  readonly topic: string;
  readonly role: TopicRole;
  /** What in the config names it: its key (`topics.alerts`), or the key it is derived from. */
  readonly origin: string;
  /** Keyed by ticket id with the inputs' partition count, so one ticket meets on one partition. */
  readonly coPartitioned: boolean;
  readonly spec: TopicSpec;
}

/** The parts of a pipeline's config the catalogue is derived from (a CloseloopConfig has them). */
export interface CatalogueConfig {
  readonly topics: Topics;
  readonly processor: { readonly partitions: number; readonly groupId: string };
}

/**
 * Where records of a foreign input that arrived on another partition than their key's are
 * forwarded, named as Kafka Streams names its repartition topics (`<application>-<name>-repartition`):
 * one pipeline's processor group owns them.
 */
export function repartitionTopic(config: CatalogueConfig, input: ForeignInput): string {
  return `${config.processor.groupId}-${config.topics[input]}-repartition`;
}

/** Compacted: only the latest record per key matters. */
const COMPACTED: ReadonlySet<keyof Topics> = new Set(['state', 'kpi', 'cursors', 'alerts']);

/**
 * Kept for good: the KPI job recomputes any month from the latest status of every ticket, from
 * every violation and from every drift finding, the status API serves each ticket's public history, and the replay
 * audit is the record of who re-sent what. A broker's default retention (7 days) would
 * silently drop them. 311 volumes make this small (about 1 KB per status).
 */
const KEPT: ReadonlySet<keyof Topics> = new Set(['status', 'quarantine', 'dlqReplays', 'drift']);

/**
 * Dead letters are kept for good too: each is a record a stage could not take, waiting for an
 * operator to list it and replay it once the cause is fixed. Deleted by a default retention, it
 * would be lost unreplayed with no word to anyone. They are few (records that failed).
 */
const DEAD_LETTER_CONFIG: Readonly<Record<string, string>> = { 'retention.ms': '-1' };

function configOf(name: keyof Topics): Record<string, string> {
  if (COMPACTED.has(name)) return { 'cleanup.policy': 'compact' };
  if (KEPT.has(name)) return { 'retention.ms': '-1' };
  return {};
}

function roleOf(name: keyof Topics): TopicRole {
  if (name === 'state') return 'changelog';
  if (name === 'dlqReplays') return 'audit';
  if (name === 'cursors') return 'cursors';
  return (INPUTS as readonly string[]).includes(name) ? 'input' : 'output';
}

/** Every topic of one pipeline, derived from its config. */
export function topicCatalogue(config: CatalogueConfig): CatalogueEntry[] {
  const { topics } = config;
  const partitions = config.processor.partitions;
  const entry = (
    topic: string,
    role: TopicRole,
    origin: string,
    extra: Record<string, string> = {},
  ): CatalogueEntry => ({
    topic,
    role,
    origin,
    coPartitioned: true,
    spec: { topic, partitions, config: extra },
  });
  const named = (Object.keys(topics) as (keyof Topics)[]).map((name): CatalogueEntry => {
    const origin = `topics.${name}`;
    // One partition keeps the audit in order; the cursor topic holds one record per source.
    if (name === 'cursors' || name === 'dlqReplays') {
      return {
        topic: topics[name],
        role: roleOf(name),
        origin,
        coPartitioned: false,
        spec: { topic: topics[name], partitions: 1, config: configOf(name) },
      };
    }
    // The KPI topic is keyed by department and month, the alerts topic by alert, not by ticket.
    return {
      ...entry(topics[name], roleOf(name), origin, configOf(name)),
      coPartitioned: name !== 'kpi' && name !== 'alerts',
    };
  });
  const repartition = FOREIGN_INPUTS.map((input) =>
    entry(repartitionTopic(config, input), 'repartition', `the repartition topic of topics.${input}`),
  );
  // Each topic a stage consumes has a dead-letter topic beside it.
  const consumed = [
    ...[...INPUTS, ...SINK_INPUTS].map((name) => ({ topic: topics[name], origin: `topics.${name}` })),
    ...repartition,
  ];
  const dead = consumed.map(({ topic, origin }) =>
    entry(deadLetterTopic(topic), 'dead-letter', `the dead-letter topic of ${origin}`, { ...DEAD_LETTER_CONFIG }),
  );
  return [...named, ...repartition, ...dead];
}

/**
 * Two entries of the catalogue under one name, each as "<config key>: <problem>". Such a config
 * would provision one topic with the first entry's settings and write two kinds of record to
 * it, failing later at the registry or not at all. A clash between derived names alone (two
 * dead-letter topics) comes from a clash of the names they derive from, which is the one reported.
 */
export function topicClashes(config: CatalogueConfig): string[] {
  const byTopic = new Map<string, CatalogueEntry[]>();
  for (const e of topicCatalogue(config)) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
  const clashes: string[] = [];
  for (const [topic, entries] of byTopic) {
    const named = entries.filter((e) => e.role !== 'dead-letter' && e.role !== 'repartition');
    const blamed = named.at(-1);
    if (entries.length < 2 || !blamed) continue;
    const others = entries.filter((e) => e !== blamed).map((e) => e.origin);
    clashes.push(
      `${blamed.origin}: names the topic ${topic}, which is also ${others.join(' and ')}; ` +
        'each topic of the pipeline needs a name of its own',
    );
  }
  return clashes;
}

export function topicSpecs(config: CatalogueConfig): TopicSpec[] {
  return topicCatalogue(config).map((e) => e.spec);
}

/** The dead-letter topics of one pipeline; the operator tools read and replay only these. */
export function deadLetterTopics(config: CatalogueConfig): string[] {
  return topicCatalogue(config)
    .filter((e) => e.role === 'dead-letter')
    .map((e) => e.topic);
}
