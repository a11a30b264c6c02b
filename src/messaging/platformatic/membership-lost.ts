import { consumerHeartbeatChannel, findErrorBy, type Consumer, type ProtocolError } from '@platformatic/kafka';

/**
 * Calls `lost` when a heartbeat of `consumer` is answered that its membership is over: its
 * session expired (UNKNOWN_MEMBER_ID), its generation is past (ILLEGAL_GENERATION), or another
 * took its instance id. The client then joins again by itself and says nothing until that join
 * completes ('consumer:group:rebalance' comes only for a rebalance under way, which the consumer
 * handles already), so a member whose session expired in a long pause would go on reading
 * partitions the group has dealt to others. As with the Java consumer's onPartitionsLost, they
 * are not this member's from that answer on. Read from the client's documented diagnostics
 * channel (plt:kafka:consumer:heartbeat), whose error event comes before the client acts on the
 * answer. Returns the unsubscribe.
 */
export function onMembershipLost(consumer: Consumer, lost: (err: Error) => void): () => void {
  const onError = (message: unknown) => {
    const { client, error } = message as { client?: unknown; error?: unknown };
    if (client !== consumer || !(error instanceof Error)) return;
    const rejoin = findErrorBy<ProtocolError>(error, 'needsRejoin', true);
    if (!rejoin || rejoin.rebalanceInProgress) return;
    lost(error);
  };
  consumerHeartbeatChannel.error.subscribe(onError);
  return () => {
    consumerHeartbeatChannel.error.unsubscribe(onError);
  };
}
