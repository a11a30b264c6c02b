import {
  FetchIsolationLevels,
  findErrorBy,
  type Broker,
  type ConnectionPool,
  type Consumer,
} from '@platformatic/kafka';
import { FETCH_PARTITION_MAX_BYTES } from '../chunk.ts';
import type { ConsumerHandlers, RecordBatch } from '../types.ts';
import type { Dispatcher } from './dispatcher.ts';
import { committedRecords } from './records.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

/** Where this member reads one assigned partition; replaced (not reused) at every assignment. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to fetch; null until read from the committed offsets. */
  position: bigint | null;
  /** Bumped by seek and by a failed batch, so a batch from before knows it is stale. */
  version: number;
  /** After a failed batch, the partition rests until then before it is read again. */
  retryAt: number;
  /** Its batches in hand (see Dispatcher), all of one version: read past while fewer than allowed. */
  inHand: number;
  inHandVersion: number;
  /** The furthest position reported to onPosition, which never goes back. */
  reported: bigint;
}

export interface RoundContext {
  readonly consumer: Consumer;
  readonly pool: ConnectionPool;
  readonly handlers: ConsumerHandlers;
  readonly dispatcher: Dispatcher;
  /** False once a rebalance or seek replaced the state: its batch's results no longer count. */
  readonly isCurrent: (s: PartitionState, version: number) => boolean;
  /** A batch of the partition was handled. */
  readonly handled: (s: PartitionState) => void;
  /** A handler threw on records up to `until`: read the partition again from its committed offset. */
  readonly rewind: (s: PartitionState, err: unknown, until: bigint) => void;
  /**
   * The broker has no offset `wanted` in the partition (deleted before it was read, or past the
   * log's end): find where to read on, and report what that skips.
   */
  readonly outOfRange: (s: PartitionState, version: number, wanted: bigint) => void;
}

const OFFSET_OUT_OF_RANGE = 1;

/**
 * One fetch of the given partitions (one request per leader, waiting up to maxWaitMs for data),
 * their batches handed to the dispatcher, which runs them while the next fetch goes out for the
 * partitions that are free. Resolves false when no partition had a leader to ask (a broker
 * restarting), so the caller waits instead of spinning.
 */
export async function fetchRound(
  c: RoundContext,
  states: readonly PartitionState[],
  maxWaitMs: number,
): Promise<boolean> {
  const metadata = await c.consumer.metadata({ topics: [...new Set(states.map((s) => s.topic))] });
  const byNode = new Map<number, PartitionState[]>();
  for (const s of states) {
    const leader = metadata.topics.get(s.topic)?.partitions[s.partition]?.leader;
    if (leader === undefined || leader < 0) continue;
    byNode.set(leader, [...(byNode.get(leader) ?? []), s]);
  }
  if (byNode.size === 0) {
    // Ask again for leaders next time rather than trusting the cached metadata that had none.
    c.consumer.clearMetadata();
    return false;
  }
  await Promise.all(
    [...byNode].map(async ([node, parts]) => {
      const ids = new Map<string, string>();
      const topics: FetchRequestTopic[] = [];
      for (const s of parts) {
        const id = metadata.topics.get(s.topic)?.id ?? '';
        ids.set(id, s.topic);
        topics.push({
          topicId: id,
          partitions: [
            {
              partition: s.partition,
              fetchOffset: s.position ?? 0n,
              partitionMaxBytes: FETCH_PARTITION_MAX_BYTES,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            },
          ],
        });
      }
      const versions = new Map(parts.map((s) => [s, s.version]));
      openConnection(c.pool, metadata.brokers.get(node));
      const response = await fetchFrom(c, node, topics, maxWaitMs, (topicId, partition) => {
        const s = parts.find((x) => x.topic === ids.get(topicId) && x.partition === partition);
        const version = s ? versions.get(s) : undefined;
        return s && version !== undefined ? { s, version } : undefined;
      });
      for (const t of response?.responses ?? []) {
        const topic = ids.get(t.topicId);
        for (const p of t.partitions) {
          const s = parts.find((x) => x.topic === topic && x.partition === p.partitionIndex);
          const version = s ? versions.get(s) : undefined;
          if (!s || version === undefined || !c.isCurrent(s, version) || p.errorCode !== 0 || s.position === null)
            continue;
          const fetched = committedRecords(s.topic, s.partition, p, s.position);
          if (fetched.next !== null) s.position = fetched.next;
          const progress = () => {
            if (fetched.next === null || fetched.next <= s.reported) return;
            s.reported = fetched.next;
            c.handlers.onPosition?.({ topic: s.topic, partition: s.partition, next: String(fetched.next) });
          };
          if (fetched.records.length === 0) {
            // Read past markers or aborted records only. With no batch of the partition in hand,
            // nothing failed is left in hand and everything before the new position was handled;
            // with one in hand, neither is known yet (its own end reports them).
            if (s.inHand === 0) {
              c.handled(s);
              progress();
            }
            continue;
          }
          const batch: RecordBatch = { topic: s.topic, partition: s.partition, records: fetched.records };
          c.dispatcher.submit(s, version, async () => {
            try {
              await c.handlers.eachBatch(batch);
              if (!c.isCurrent(s, version)) return;
              c.handled(s);
              progress();
            } catch (err) {
              const last = batch.records[batch.records.length - 1];
              if (c.isCurrent(s, version)) c.rewind(s, err, BigInt(last?.offset ?? -1) + 1n);
            }
          });
        }
      }
    }),
  );
  return true;
}

/**
 * Opens the pool's connection to a broker with a request of its own, before a fetch needs it.
 * The pool keeps, for as long as a connection lives, the callback of the request that opened it
 * (its close and error listeners share that call's scope), and with it the promise of a fetch's
 * whole response: up to 1 MiB a partition held for the consumer's life. The fetch that follows
 * waits for the connection as it would for its own.
 */
function openConnection(pool: ConnectionPool, broker: Broker | undefined): void {
  if (!broker || pool.has(broker)) return;
  // A failure is the fetch's to meet: it asks the pool again and retries as before.
  pool.get(broker).catch(() => undefined);
}

async function fetchFrom(
  c: RoundContext,
  node: number,
  topics: FetchRequestTopic[],
  maxWaitMs: number,
  stateOf: (topicId: string, partition: number) => { s: PartitionState; version: number } | undefined,
): Promise<FetchResponse | null> {
  try {
    return await c.consumer.fetch({
      node,
      topics,
      maxWaitTime: maxWaitMs,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      connectionPool: c.pool,
    });
  } catch (err) {
    // An error for some partitions fails the whole request; those with data come again next round.
    const response = (err as { response?: FetchResponse }).response;
    if (!findErrorBy(err as Error, 'apiId', 'OFFSET_OUT_OF_RANGE') || !response) throw err;
    const asked = new Map(
      topics.flatMap((t) => t.partitions.map((p) => [`${t.topicId}:${p.partition}`, p.fetchOffset])),
    );
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const found = stateOf(t.topicId, p.partitionIndex);
        const wanted = asked.get(`${t.topicId}:${p.partitionIndex}`);
        if (found && wanted !== undefined && p.errorCode === OFFSET_OUT_OF_RANGE)
          c.outOfRange(found.s, found.version, wanted);
      }
    }
    // Positions out of range are the partitions' own business (reported by outOfRange), not a
    // failed fetch: only another error makes it one, with the generic retry and its warning.
    if (response.errorCode === 0 && onlyOutOfRange(response)) return null;
    throw err;
  }
}

function onlyOutOfRange(response: FetchResponse): boolean {
  return response.responses.every((t) => t.partitions.every((p) => [0, OFFSET_OUT_OF_RANGE].includes(p.errorCode)));
}
