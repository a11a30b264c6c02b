import {
  kGetApi,
  kGetConnection,
  kMetadata,
  kPerformWithRetry,
  type Connection,
  type Producer,
} from '@platformatic/kafka';
import type { GroupMembership, OffsetCommit } from '../types.ts';

/** Attempts against one coordinator before the caller looks it up again. */
const RETRIES = 5;

type Callback<T> = (error: Error | null, result?: T) => void;
type TxnOffsetCommit = (connection: Connection, ...args: [...unknown[], Callback<unknown>]) => void;

/**
 * Adds all of a transaction's consumed offsets in one TxnOffsetCommit request. The client's own
 * addOffset takes one message per request, one after the other: for the processor's three inputs
 * per task that is two round trips more in every transaction. With the consuming member's
 * generation and id the broker takes the offsets only from a member of the group's current
 * generation (KIP-447), so a member the group has moved on from commits nothing even where it
 * holds the transactional id; with generation -1 and no member id it takes them unchecked. Uses the client's
 * exported request plumbing (metadata, connection, API lookup, retry), so errors and retries are
 * the client's.
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
  return new Promise<void>((resolve, reject) => {
    producer[kPerformWithRetry]<unknown>(
      'txnOffsetCommit',
      (retry) => {
        producer[kMetadata]({ topics: [...byTopic.keys()] }, (error, metadata) => {
          const broker = metadata?.brokers.get(coordinatorId);
          if (error || !broker) return retry(error ?? new Error(`group coordinator ${coordinatorId} unknown`));
          producer[kGetConnection](broker, (error, connection) => {
            if (error || !connection) return retry(error ?? new Error('no connection to the group coordinator'));
            producer[kGetApi]<unknown[], unknown>('TxnOffsetCommit', (error, api) => {
              if (error || !api) return retry(error ?? new Error('TxnOffsetCommit unsupported'));
              const call = api as unknown as TxnOffsetCommit;
              const { producerId, producerEpoch } = producer;
              const { groupId, generationId, memberId, groupInstanceId } = member;
              call(
                connection,
                transactionalId,
                groupId,
                producerId,
                producerEpoch,
                generationId,
                memberId,
                groupInstanceId,
                topics,
                retry,
              );
            });
          });
        });
      },
      (error) => (error ? reject(error) : resolve()),
      0,
      [],
      undefined,
      // Bounded, unlike the transactional producer's other requests: a coordinator that moved
      // away is not retried forever; the caller looks it up again instead.
      RETRIES,
    );
  });
}
