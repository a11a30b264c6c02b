import type { Admin } from '@platformatic/kafka';
import {
  ConfigResourceTypes,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  findErrorBy,
  type ClusterMetadata,
} from '@platformatic/kafka';
import { CloseloopError, messageOf } from '../../errors/index.ts';
import type {
  ClusterInfo,
  GroupMembership,
  GroupOffsetsOptions,
  MessagingAdmin,
  PartitionOffset,
  TopicSpec,
} from '../types.ts';
import { chosenPartitions } from '../chosen-partitions.ts';
import { guarded } from './errors.ts';
import { checkMembership } from './membership-check.ts';

/**
 * How long ensureTopics waits for every new partition to have a leader, and deleteTopics for the
 * broker to stop listing the topics.
 */
const TOPIC_WAIT_MS = 30_000;

export class PlatformaticAdmin implements MessagingAdmin {
  readonly #admin: Admin;
  readonly #brokers: string;
  readonly #answerWithinMs: number;

  /** `answerWithinMs`: how long connect() waits for the first answer (see connect). */
  constructor(admin: Admin, brokers: readonly string[], answerWithinMs: number) {
    this.#admin = admin;
    this.#brokers = brokers.join(',');
    this.#answerWithinMs = answerWithinMs;
  }

  // The client connects on first use; asking for metadata proves the broker answers, as kafkajs's
  // connect() did, so a caller that connects first still learns of an outage there. A listener
  // that takes the connection and never answers (a proxy in front of a dead broker, the wrong
  // port) would hold the client through every retry of every request time-out, minutes on end:
  // connect() gives up after one connection and one request's time-out instead, naming where.
  connect(): Promise<void> {
    const answered = guarded('connecting the Kafka admin client', async () => {
      await this.#admin.metadata({ topics: [] });
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The client would go on retrying, its socket open, for a caller that gave up: closed
        // here, as most callers do not disconnect after a failed connect.
        this.#admin.close().catch(() => undefined);
        reject(
          new CloseloopError(
            'CL_KAFKA_TRANSIENT',
            `connecting the Kafka admin client: the broker at ${this.#brokers} did not answer within ${this.#answerWithinMs} ms`,
          ),
        );
      }, this.#answerWithinMs);
    });
    answered.catch(() => undefined);
    return Promise.race([answered, late]).finally(() => clearTimeout(timer));
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the Kafka admin client', () => this.#admin.close());
  }

  describeCluster(): Promise<ClusterInfo> {
    return guarded('describing the Kafka cluster', async () => {
      const m = await this.#admin.metadata({ topics: [], forceUpdate: true });
      return {
        clusterId: m.id,
        controller: m.controllerId >= 0 ? m.controllerId : null,
        brokers: [...m.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
      };
    });
  }

  /** Creates the topics that do not exist yet, then waits until each partition has a leader. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    return guarded(`creating topics ${specs.map((s) => s.topic).join(', ')}`, async () => {
      const existing = new Set(await this.#admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      for (const s of missing) {
        try {
          await this.#admin.createTopics({
            topics: [s.topic],
            partitions: s.partitions ?? 1,
            replicas: s.replicationFactor ?? 1,
            configs: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          });
        } catch (err) {
          // Another instance created it between the listing and here: what we wanted exists.
          if (!findErrorBy(err as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) throw err;
        }
      }
      if (missing.length === 0) return;
      const topics = missing.map((s) => s.topic);
      await this.#waitFor(`no leader for ${topics.join(', ')}`, async () => {
        const m = await this.#admin.metadata({ topics, forceUpdate: true });
        return topics.every((t) => hasLeaders(m, t));
      });
    });
  }

  addPartitions(topics: readonly string[], count: number): Promise<void> {
    return guarded(`adding partitions to ${topics.join(', ')}`, async () => {
      await this.#admin.createPartitions({ topics: topics.map((name) => ({ name, count })) });
      await this.#waitFor(`no leader for the new partitions of ${topics.join(', ')}`, async () => {
        const m = await this.#admin.metadata({ topics: [...topics], forceUpdate: true });
        return topics.every((t) => m.topics.get(t)?.partitionsCount === count && hasLeaders(m, t));
      });
    });
  }

  /**
   * Deletes the topics, then waits until the broker no longer lists them. Kafka deletes
   * asynchronously: the call succeeds once the controller has decided, and for a while after,
   * Kafka's Admin documentation warns, listings may still show the topics (a CI run of the
   * conformance suite met one). Materialize's Kafka utilities wait the same way. Deleted then
   * means what it means in memory.
   */
  deleteTopics(topics: readonly string[]): Promise<void> {
    return guarded(`deleting topics ${topics.join(', ')}`, async () => {
      await this.#admin.deleteTopics({ topics: [...topics] });
      await this.#waitFor(`${topics.join(', ')} still listed`, async () => {
        const listed = new Set(await this.#admin.listTopics());
        return topics.every((t) => !listed.has(t));
      });
    });
  }

  /**
   * Asks until `check` holds, or fails naming `what`. A failed check is a "not yet"; the last
   * failure goes into the error, so "still listed" is not claimed of a broker that did not answer.
   */
  async #waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + TOPIC_WAIT_MS;
    let failure: unknown;
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (await check()) return;
        failure = undefined;
      } catch (err) {
        failure = err;
      }
      if (Date.now() > deadline) {
        const last = failure === undefined ? '' : `; the last check failed: ${messageOf(failure)}`;
        throw new CloseloopError('CL_KAFKA_TRANSIENT', `${what} after ${TOPIC_WAIT_MS} ms${last}`, { cause: failure });
      }
      await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1_000)));
    }
  }

  listTopics(): Promise<string[]> {
    return guarded('listing topics', () => this.#admin.listTopics());
  }

  deleteRecords(topic: string, partition: number, before: string): Promise<void> {
    return guarded(`deleting the records of ${topic}/${partition} below ${before}`, async () => {
      await this.#admin.deleteRecords({
        topics: [{ name: topic, partitions: [{ partition, offset: BigInt(before) }] }],
      });
    });
  }

  /**
   * High is the end as read_committed readers see it (the last stable offset: an open transaction's
   * records are not there yet), low the log start; as kafkajs gave them. A commit that has just
   * returned may not be there yet either: the broker writes a transaction's markers after its
   * coordinator has answered the commit.
   */
  topicOffsets(topic: string): Promise<PartitionOffset[]> {
    return guarded(`fetching offsets of ${topic}`, async () => {
      const partitions = await this.#partitions(topic);
      const at = async (timestamp: bigint) => {
        const [answer] = await this.#admin.listOffsets({
          topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        });
        return new Map((answer?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
      };
      const [high, low] = await Promise.all([at(ListOffsetTimestamps.LATEST), at(ListOffsetTimestamps.EARLIEST)]);
      return partitions.map((partition) => ({
        partition,
        high: String(high.get(partition) ?? 0n),
        low: String(low.get(partition) ?? 0n),
      }));
    });
  }

  topicSettings(topic: string, names: readonly string[]): Promise<Record<string, string | null>> {
    return guarded(`describing the settings of ${topic}`, async () => {
      const [described] = await this.#admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [...names] }],
      });
      const values = new Map((described?.configs ?? []).map((c) => [c.name, c.value]));
      return Object.fromEntries(names.map((n) => [n, values.get(n) ?? null]));
    });
  }

  topicId(topic: string): Promise<string> {
    const action = `fetching the id of ${topic}`;
    return guarded(action, async () => {
      // Asked anew: a cached answer would name the topic as it was before it was created again.
      const m = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
      const id = m.topics.get(topic)?.id;
      if (id === undefined) throw new CloseloopError('CL_KAFKA_TRANSIENT', `${action}: Unknown topic ${topic}.`);
      return id;
    });
  }

  groupOffsets(
    groupId: string,
    topic: string,
    options: GroupOffsetsOptions = {},
  ): Promise<{ partition: number; offset: string }[]> {
    const action = `fetching offsets of group ${groupId} on ${topic}`;
    return guarded(action, async () => {
      const count = (await this.#partitions(topic)).length;
      const partitionIndexes = chosenPartitions(topic, count, options.partitions, action);
      // requireStable: offsets a transaction is committing are not answered until its marker is
      // written (KIP-447), so a caller never sees the offsets from before a commit that returned.
      const [group] = await this.#admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes }] }],
        requireStable: options.stable ?? true,
      });
      const committed = new Map(
        (group?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [
          p.partitionIndex,
          p.committedOffset,
        ]),
      );
      return partitionIndexes.map((partition) => ({ partition, offset: String(committed.get(partition) ?? -1n) }));
    });
  }

  groupMembers(groupId: string): Promise<number> {
    return guarded(`describing group ${groupId}`, async () => {
      const groups = await this.#admin.describeGroups({ groups: [groupId] });
      return groups.get(groupId)?.members.size ?? 0;
    });
  }

  checkMembership(membership: GroupMembership): Promise<void> {
    return checkMembership(this.#admin, membership);
  }

  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return guarded(`reading the partition counts of ${topics.join(', ')}`, async () => {
      const m = await this.#admin.metadata({ topics: [...topics], forceUpdate: true });
      return new Map(topics.map((t) => [t, m.topics.get(t)?.partitionsCount ?? 0]));
    });
  }

  // Asked of the broker every time: the client's cached metadata (up to metadataMaxAge old) can
  // still miss a partition just added, and a changelog read to its end without it would restore
  // that partition's tickets as none.
  async #partitions(topic: string): Promise<number[]> {
    const m = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
    const count = m.topics.get(topic)?.partitionsCount ?? 0;
    return Array.from({ length: count }, (_, i) => i);
  }
}

function hasLeaders(m: ClusterMetadata, topic: string): boolean {
  const t = m.topics.get(topic);
  return t !== undefined && t.partitionsCount > 0 && t.partitions.every((p) => p !== undefined && p.leader >= 0);
}
