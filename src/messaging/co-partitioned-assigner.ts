import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Gives partition number p of every subscribed topic to the same member, as Kafka Streams does
 * with its tasks. The processor needs it: a ticket's CRM, department and link records share a
 * partition number, and its state must live with all three. kafkajs's round-robin assigner deals
 * out topic-partitions one by one and would split them.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CloseloopCoPartitionedAssigner',
  version: 0,
  async assign({ members, topics }) {
    const memberIds = members.map((m) => m.memberId).sort();
    const counts = topics.map((t) => cluster.findTopicPartitionMetadata(t).length);
    const partitions = Math.max(0, ...counts);
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    for (let p = 0; p < partitions; p += 1) {
      const member = memberIds[p % memberIds.length];
      const slot = member === undefined ? undefined : assignment.get(member);
      if (!slot) continue;
      for (const [i, topic] of topics.entries()) {
        if (p >= (counts[i] ?? 0)) continue;
        (slot[topic] ??= []).push(p);
      }
    }
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: a,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'CloseloopCoPartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
