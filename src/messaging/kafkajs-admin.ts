import type { Admin } from 'kafkajs';
import { CloseloopError } from '../errors/index.ts';
import { guarded } from './kafkajs-errors.ts';
import type { ClusterInfo, MessagingAdmin, PartitionOffset, TopicSpec } from './types.ts';

export class KafkaJsAdmin implements MessagingAdmin {
  readonly #admin: Admin;

  constructor(admin: Admin) {
    this.#admin = admin;
  }

  connect(): Promise<void> {
    return guarded('connecting the Kafka admin client', () => this.#admin.connect());
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the Kafka admin client', () => this.#admin.disconnect());
  }

  describeCluster(): Promise<ClusterInfo> {
    return guarded('describing the Kafka cluster', async () => {
      const c = await this.#admin.describeCluster();
      return { clusterId: c.clusterId, controller: c.controller, brokers: c.brokers };
    });
  }

  /**
   * Creates the topics that do not exist yet. Right after creation a busy broker may answer the
   * leader check with UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not wait out; the topics are
   * then being created, so a transient failure is tried again (listing first, so only what is
   * still missing is created) before it is reported.
   */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#ensureTopics(specs);
      } catch (err) {
        if (!(err instanceof CloseloopError) || !err.retriable || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  #ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    return guarded(`creating topics ${specs.map((s) => s.topic).join(', ')}`, async () => {
      const existing = new Set(await this.#admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return;
      await this.#admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions ?? 1,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    });
  }

  deleteTopics(topics: readonly string[]): Promise<void> {
    return guarded(`deleting topics ${topics.join(', ')}`, () => this.#admin.deleteTopics({ topics: [...topics] }));
  }

  listTopics(): Promise<string[]> {
    return guarded('listing topics', () => this.#admin.listTopics());
  }

  topicOffsets(topic: string): Promise<PartitionOffset[]> {
    return guarded(`fetching offsets of ${topic}`, async () =>
      (await this.#admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high, low: p.low })),
    );
  }

  groupOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]> {
    return guarded(`fetching offsets of group ${groupId} on ${topic}`, async () => {
      const answer = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
      return (answer[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
    });
  }
}
