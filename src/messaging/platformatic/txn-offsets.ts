import type { Producer } from '@platformatic/kafka';
import type { GroupMembership, OffsetCommit } from '../types.ts';
import { brokerRequest } from './broker-request.ts';

/** Attempts against one coordinator before the caller looks it up again. */
const RETRIES = 5;

/**
 * Adds all of a transaction's consumed offsets in one TxnOffsetCommit request. The client's own
 * addOffset takes one message per request, one after the other: for the processor's three inputs
 * per task that is two round trips more in every transaction. With the consuming member's
 * generation and id the broker takes the offsets only from a member of the group's current
 * generation (KIP-447), so a member the group has moved on from commits nothing even where it
 * holds the transactional id; with generation -1 and no member id it takes them unchecked
 * (see brokerRequest for how it is sent).
 */
export function commitTxnOffsets(
  producer: Producer,
  transactionalId: string,
  member: GroupMembership,
  coordinatorId: number,
  offsets: readonly OffsetCommit[],
): Promise<void> {
  const byTopic = new Map<
    string,
    { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[]
  >();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1 });
    byTopic.set(o.topic, list);
  }
  const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  const { groupId, generationId, memberId, groupInstanceId } = member;
  return brokerRequest(
    producer,
    'TxnOffsetCommit',
    coordinatorId,
    () => [
      transactionalId,
      groupId,
      producer.producerId,
      producer.producerEpoch,
      generationId,
      memberId,
      groupInstanceId,
      topics,
    ],
    // Bounded, unlike the transactional producer's other requests: a coordinator that moved
    // away is not retried forever; the caller looks it up again instead.
    RETRIES,
  );
}
