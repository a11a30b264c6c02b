import type { GroupAssignment, GroupPartitionsAssigner } from '@platformatic/kafka';

/** The protocol name members announce; a member without this assigner cannot join the group. */
export const CO_PARTITIONED_PROTOCOL = 'CloseloopCoPartitionedAssigner';

/**
 * Gives partition number p of every subscribed topic to the same member, as Kafka Streams does
 * with its tasks: a ticket's CRM, department and link records share a partition number, and its
 * state must live with all three. Round-robin assignment deals out topic-partitions one by one
 * and would split them. Members are sorted so every leader computes the same answer.
 */
export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const memberIds = [...members.keys()].sort();
  const counts = [...topics].map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0] as const);
  const partitions = Math.max(0, ...counts.map(([, n]) => n));
  const assignments = new Map<string, Map<string, GroupAssignment>>(memberIds.map((id) => [id, new Map()]));
  for (let p = 0; p < partitions; p += 1) {
    const slot = assignments.get(memberIds[p % memberIds.length] ?? '');
    if (!slot) continue;
    for (const [topic, count] of counts) {
      if (p >= count) continue;
      const a = slot.get(topic) ?? { topic, partitions: [] };
      a.partitions.push(p);
      slot.set(topic, a);
    }
  }
  return [...assignments].map(([memberId, a]) => ({ memberId, assignments: a }));
};
