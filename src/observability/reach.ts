import type { Messaging } from '../messaging/index.ts';

/**
 * What a process's probes and gauges ask of Kafka and the registry, each a question that
 * either answers or throws: readiness and /metrics turn a throw into "down" with its message.
 */

/** The broker answers a describe-cluster over a fresh admin connection. */
export async function reachBroker(messaging: Messaging): Promise<void> {
  const admin = messaging.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The registry lists its subjects within 3 s. */
export async function reachRegistry(url: string): Promise<void> {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(3_000) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}

/** A consumer group and a topic it reads. */
export type GroupTopic = readonly [group: string, topic: string];

/**
 * Records each group has still to read of its topic: the end offset less the committed one per
 * partition, from the log's start where the group has committed nothing. Offsets an open
 * transaction is committing are not counted until it commits.
 */
export async function consumerLag(
  messaging: Messaging,
  groups: readonly GroupTopic[],
): Promise<{ group: string; topic: string; lag: number }[]> {
  const admin = messaging.admin();
  await admin.connect();
  try {
    const lags: { group: string; topic: string; lag: number }[] = [];
    for (const [group, topic] of groups) {
      // Not a stable read: under a transactional load one would wait for open transactions
      // through the client's retries, then fail, and the gauge report the broker down.
      const [ends, committed] = await Promise.all([
        admin.topicOffsets(topic),
        admin.groupOffsets(group, topic, { stable: false }),
      ]);
      let lag = 0n;
      for (const e of ends) {
        const c = committed.find((x) => x.partition === e.partition)?.offset ?? '-1';
        lag += BigInt(e.high) - (c === '-1' ? BigInt(e.low) : BigInt(c));
      }
      lags.push({ group, topic, lag: Number(lag) });
    }
    return lags;
  } finally {
    await admin.disconnect();
  }
}
