import type { Topics } from '../config/index.ts';
import { deadLetterTopic, type TopicSpec } from '../messaging/index.ts';

/** The canonical topic names, as the .avsc files under schemas/ are named. */
export type BridgeTopic = Exclude<keyof Topics, 'cursors'>;

export const CANONICAL: Readonly<Record<BridgeTopic, string>> = {
  crmEvents: 'crm.ticket-events.v1',
  deptEvents: 'dept.work-order-events.v1',
  links: 'bridge.ticket-links.v1',
  commands: 'bridge.work-order-commands.v1',
  status: 'bridge.ticket-status.v1',
  state: 'bridge.ticket-state.v1',
  quarantine: 'bridge.quarantine.v1',
  kpi: 'bridge.kpi.v1',
};

export const INPUTS = ['crmEvents', 'deptEvents', 'links'] as const;
export type InputName = (typeof INPUTS)[number];

/** Compacted: only the latest record per key matters. */
const COMPACTED: ReadonlySet<string> = new Set(['state', 'kpi']);

/**
 * Kept for good: the KPI job recomputes any month from the latest status of every ticket and
 * from every violation, and the status API serves each ticket's public history. A broker's
 * default retention (7 days) would silently drop them. 311 volumes make this small (about 1 KB
 * per status).
 */
const KEPT: ReadonlySet<string> = new Set(['status', 'quarantine']);

function configOf(name: string): Record<string, string> {
  if (COMPACTED.has(name)) return { 'cleanup.policy': 'compact' };
  if (KEPT.has(name)) return { 'retention.ms': '-1' };
  return {};
}

/**
 * Every topic but the KPI one is keyed by ticket id, and all have the same partition count, so
 * one ticket's records meet on one partition number everywhere and one task owns them all. The
 * state topic is the compacted changelog; the KPI topic, keyed by department and month, is
 * compacted so a recomputed month replaces the earlier figures.
 */
export function topicSpecs(topics: Topics, partitions: number): TopicSpec[] {
  const specs: TopicSpec[] = Object.entries(topics)
    .filter(([name]) => name !== 'cursors')
    .map(([name, topic]) => ({
      topic,
      partitions,
      config: configOf(name),
    }));
  for (const input of INPUTS) specs.push({ topic: deadLetterTopic(topics[input]), partitions });
  return specs;
}
