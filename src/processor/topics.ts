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
};

export const INPUTS = ['crmEvents', 'deptEvents', 'links'] as const;
export type InputName = (typeof INPUTS)[number];

/**
 * Every topic is keyed by ticket id and has the same partition count, so one ticket's records
 * meet on one partition number everywhere and one task owns them all. The state topic is the
 * compacted changelog.
 */
export function topicSpecs(topics: Topics, partitions: number): TopicSpec[] {
  const specs: TopicSpec[] = Object.entries(topics)
    .filter(([name]) => name !== 'cursors')
    .map(([name, topic]) => ({
      topic,
      partitions,
      config: name === 'state' ? { 'cleanup.policy': 'compact' } : ({} as Record<string, string>),
    }));
  for (const input of INPUTS) specs.push({ topic: deadLetterTopic(topics[input]), partitions });
  return specs;
}
