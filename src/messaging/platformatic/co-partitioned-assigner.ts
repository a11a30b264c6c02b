import type {
  Consumer,
  GroupAssignment,
  GroupPartitionsAssigner,
  GroupProtocolsMetadataCallback,
} from '@platformatic/kafka';
import { dealCoPartitioned, type PartitionClaim } from '../co-partitioned-deal.ts';

/** The protocol name members announce; a member without this assigner cannot join the group. */
export const CO_PARTITIONED_PROTOCOL = 'CloseloopCoPartitionedAssigner';

/** The claim's layout in the subscription's user data; a member of an older release sends none. */
const CLAIM_VERSION = 1;

/**
 * Gives partition number p of every subscribed topic to the same member, as Kafka Streams does
 * with its tasks: a ticket's CRM, department and link records share a partition number, and its
 * state must live with all three. Round-robin assignment deals out topic-partitions one by one
 * and would split them. Each member's subscription claims the partitions it owned (see
 * OwnedPartitions), and the deal keeps them where it can (dealCoPartitioned).
 */
export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const counts = [...topics].map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0] as const);
  const partitions = Math.max(0, ...counts.map(([, n]) => n));
  const claims = [...members.values()].flatMap((m) => {
    const claim = decodeClaim(m.memberId, m.metadata);
    return claim ? [claim] : [];
  });
  const dealt = dealCoPartitioned([...members.keys()], partitions, claims);
  return [...dealt].map(([memberId, numbers]) => {
    const assignments = new Map<string, GroupAssignment>();
    for (const [topic, count] of counts) {
      const mine = numbers.filter((p) => p < count);
      if (mine.length > 0) assignments.set(topic, { topic, partitions: mine });
    }
    return { memberId, assignments };
  });
};

/**
 * The partition numbers this member was last assigned and their generation, kept from one
 * assignment to the next and sent as its subscription's user data at every join. The protocol
 * is eager: a rebalance takes every partition away before the join, but the claim stays until a
 * new assignment replaces it, as Kafka's StickyAssignor keeps its previous assignment.
 */
export class OwnedPartitions {
  #claim: { generation: number; partitions: number[] } = { generation: -1, partitions: [] };

  /** Follows `consumer`'s assignments. */
  track(consumer: Consumer): void {
    consumer.on('consumer:group:join', (p) => {
      const numbers = new Set((p.assignments ?? []).flatMap((a) => a.partitions));
      this.#claim = { generation: p.generationId ?? -1, partitions: [...numbers].sort((a, b) => a - b) };
    });
  }

  /** The consumer's protocolsMetadata option: what it sends as user data when it joins. */
  readonly metadata: GroupProtocolsMetadataCallback = () => encodeClaim(this.#claim.generation, this.#claim.partitions);
}

export function encodeClaim(generation: number, partitions: readonly number[]): Buffer {
  const out = Buffer.alloc(10 + 4 * partitions.length);
  out.writeInt16BE(CLAIM_VERSION, 0);
  out.writeInt32BE(generation, 2);
  out.writeInt32BE(partitions.length, 6);
  partitions.forEach((p, i) => out.writeInt32BE(p, 10 + 4 * i));
  return out;
}

/**
 * A member's claim, or null when it sent none or one this release cannot read (a member of
 * another release mid-upgrade): it then keeps nothing by claim, and is dealt partitions as a
 * new member is. Reading it never fails the assignment, which would stall the whole group.
 */
export function decodeClaim(memberId: string, data: Buffer | string | null | undefined): PartitionClaim | null {
  if (!Buffer.isBuffer(data) || data.length < 10 || data.readInt16BE(0) !== CLAIM_VERSION) return null;
  const count = data.readInt32BE(6);
  if (count < 0 || data.length !== 10 + 4 * count) return null;
  const partitions = Array.from({ length: count }, (_, i) => data.readInt32BE(10 + 4 * i));
  return { memberId, generation: data.readInt32BE(2), partitions };
}
