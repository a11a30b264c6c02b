import { chosenPartitions } from '../chosen-partitions.ts';
import type {
  ClusterInfo,
  GroupMembership,
  GroupOffsetsOptions,
  MessagingAdmin,
  PartitionOffset,
  TopicSpec,
} from '../types.ts';
import { GROUP_REFUSAL, missingTopic, refused, unstableOffsets, type Cluster } from './cluster.ts';

/**
 * The defaults of an Apache Kafka broker nobody configured, for the settings closeloop reads
 * (Kafka's TopicConfig documentation): what a topic created without them has.
 */
const BROKER_DEFAULTS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '604800000',
  'retention.bytes': '-1',
};

export class InMemoryAdmin implements MessagingAdmin {
  readonly #cluster: Cluster;
  readonly #stableWaitMs: number;

  /** `stableWaitMs`: how long a stable read of group offsets waits for open transactions. */
  constructor(cluster: Cluster, stableWaitMs: number) {
    this.#cluster = cluster;
    this.#stableWaitMs = stableWaitMs;
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  async describeCluster(): Promise<ClusterInfo> {
    return { clusterId: 'in-memory', controller: 0, brokers: [{ nodeId: 0, host: 'in-memory', port: 0 }] };
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    // Config (compaction, retention) changes nothing here: records leave a log only by deleteRecords.
    for (const s of specs) this.#cluster.createTopic(s.topic, s.partitions ?? 1, s.config);
  }

  async topicSettings(topic: string, names: readonly string[]): Promise<Record<string, string | null>> {
    const own = this.#cluster.topicSettings(topic, `describing the settings of ${topic}`);
    return Object.fromEntries(names.map((n) => [n, own[n] ?? BROKER_DEFAULTS[n] ?? null]));
  }

  async addPartitions(topics: readonly string[], count: number): Promise<void> {
    for (const t of topics) this.#cluster.addPartitions(t, count, `adding partitions to ${t}`);
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    // All or nothing: a missing one fails the call before any is deleted.
    for (const t of topics) this.#cluster.partitions(t, `deleting topics ${topics.join(', ')}`);
    for (const t of topics) this.#cluster.deleteTopic(t);
  }

  async listTopics(): Promise<string[]> {
    return this.#cluster.topicNames();
  }

  async topicOffsets(topic: string): Promise<PartitionOffset[]> {
    return this.#cluster
      .partitions(topic, `fetching offsets of ${topic}`)
      .map((log) => ({ partition: log.partition, high: String(log.lastStable), low: String(log.start) }));
  }

  async deleteRecords(topic: string, partition: number, before: string): Promise<void> {
    const action = `deleting the records of ${topic}/${partition} below ${before}`;
    const log = this.#cluster.partitions(topic, action)[partition];
    if (!log) throw missingTopic(topic, action);
    // As the broker does: an offset past the high watermark is refused, not taken as the end.
    if (Number(before) > log.high)
      throw refused(action, 'the offset is past the end of the log', 'OFFSET_OUT_OF_RANGE');
    log.deleteBefore(Number(before));
    this.#cluster.changed();
  }

  async topicId(topic: string): Promise<string> {
    return this.#cluster.topicId(topic, `fetching the id of ${topic}`);
  }

  /**
   * A stable read waits, as the Kafka adapter's does through its client's retries, while an open
   * transaction holds offsets of the group for the partitions asked for, and fails as an outage
   * once it has waited stableWaitMs.
   */
  async groupOffsets(
    groupId: string,
    topic: string,
    options: GroupOffsetsOptions = {},
  ): Promise<{ partition: number; offset: string }[]> {
    const action = `fetching offsets of group ${groupId} on ${topic}`;
    const logs = this.#cluster.partitions(topic, action);
    const partitions = chosenPartitions(topic, logs.length, options.partitions, action);
    if (options.stable ?? true) {
      await this.#cluster.until(
        () => !this.#cluster.pendingOffsets(groupId, topic, partitions),
        this.#stableWaitMs,
        () => unstableOffsets(topic, action),
      );
    }
    const group = this.#cluster.group(groupId);
    return partitions.map((partition) => ({
      partition,
      offset: String(group.committed(topic, partition) ?? -1),
    }));
  }

  async groupMembers(groupId: string): Promise<number> {
    return this.#cluster.group(groupId).size;
  }

  async checkMembership(m: GroupMembership): Promise<void> {
    const answer = this.#cluster.group(m.groupId).heartbeat(m);
    if (answer)
      throw refused(`checking the membership of ${m.memberId} in group ${m.groupId}`, GROUP_REFUSAL[answer], answer);
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return new Map(topics.map((t) => [t, this.#cluster.partitions(t, `reading the metadata of ${t}`).length]));
  }
}
