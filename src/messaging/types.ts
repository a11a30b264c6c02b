/**
 * The messaging seam. Everything outside src/messaging talks to Kafka through these
 * interfaces only, so the Kafka client can be replaced (as kafkajs was by @platformatic/kafka)
 * without touching the rest of the code.
 */

/** One Kafka record header as written: a record may repeat a name, and a value may be null. */
export type HeaderEntry = readonly [name: string, value: Buffer | null];

/** Keys are the CRM ticket id as UTF-8 text; values are Confluent-framed Avro bytes. */
export interface OutgoingRecord {
  /** Text is written as UTF-8; bytes as they are (a dead letter keeps a foreign key's own bytes). */
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  /**
   * Headers written first, in this order, repeated names and null values kept: how a dead letter
   * or a forwarded record carries a record's own headers when `headers` could not say them all
   * (see IncomingRecord.headerList). `headers` follow.
   */
  readonly headerList?: readonly HeaderEntry[];
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  readonly partition?: number;
}

export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** By name; a repeated name holds its last value, a null value is undefined. */
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  /**
   * Every header in the order written, only when `headers` cannot say them all: a name
   * repeated or a value null. Whatever copies a record on (dead letters, forwards, replays)
   * copies these, so nothing of a foreign record's headers is lost on the way.
   */
  readonly headerList?: readonly HeaderEntry[];
}

export interface DeliveredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: string;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Broker topic config, e.g. { 'cleanup.policy': 'compact' }. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface ClusterInfo {
  readonly clusterId: string;
  readonly controller: number | null;
  readonly brokers: readonly { nodeId: number; host: string; port: number }[];
}

export interface PartitionOffset {
  readonly partition: number;
  /** The end as read_committed readers see it: the last stable offset (open transactions lie beyond). */
  readonly high: string;
  readonly low: string;
}

export interface GroupOffsetsOptions {
  /**
   * True (the default): offsets that an open transaction is committing are waited for (KIP-447's
   * stable read), so the answer is never from before a commit that returned. Under a steady
   * transactional load some partition nearly always has such offsets, and the wait can run
   * through all of the client's retries (about 8 s) and then fail. False: answered at once with
   * the offsets committed so far; for callers that only watch, such as a lag gauge or a progress
   * clock.
   */
  readonly stable?: boolean;
  /**
   * The partitions to read, in ascending order in the answer (default: every partition of the
   * topic). A stable read waits only for transactions holding offsets of these.
   */
  readonly partitions?: readonly number[];
}

export interface MessagingAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  describeCluster(): Promise<ClusterInfo>;
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /**
   * Adds partitions to existing topics, up to `count` each, as `kafka-topics.sh --alter
   * --partitions` does (Kafka never removes any). Closeloop itself never calls it; tests stand in
   * for the operator with it.
   */
  addPartitions(topics: readonly string[], count: number): Promise<void>;
  /** Deletes the topics; once it resolves, listTopics no longer shows them. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /**
   * The named settings of a topic as the broker applies them now: the topic's own value, else
   * the broker's default (so `retention.ms` is 604800000 on a topic nobody configured); null for
   * a name the broker does not know. Refused as the other calls are when the topic does not exist.
   */
  topicSettings(topic: string, names: readonly string[]): Promise<Record<string, string | null>>;
  topicOffsets(topic: string): Promise<PartitionOffset[]>;
  /**
   * The topic's id, which a topic deleted and created again under the same name does not keep;
   * refused as the other calls are when the topic does not exist.
   */
  topicId(topic: string): Promise<string>;
  /** Committed offsets of a consumer group on a topic; '-1' where nothing is committed. */
  groupOffsets(
    groupId: string,
    topic: string,
    options?: GroupOffsetsOptions,
  ): Promise<{ partition: number; offset: string }[]>;
  /**
   * Deletes a partition's records below `before` (which becomes its log start), as retention
   * does; for tests and tools that need the broker to have lost records.
   */
  deleteRecords(topic: string, partition: number, before: string): Promise<void>;
  /** How many members a consumer group has now (0 for a group that is empty or unknown). */
  groupMembers(groupId: string): Promise<number>;
  /**
   * Asks the group's coordinator, with the heartbeat its member would send, whether a
   * membership (MessageConsumer.membership()) is still current. Resolves while the group is at
   * that member's generation and no rebalance is under way; CL_KAFKA_NOT_MEMBER once the group
   * has moved on from it or is moving on (a newer generation, a member that expired or left, a
   * rebalance under way). For a caller about to act for the member, such as claiming a
   * transactional id, which fences whoever holds it.
   */
  checkMembership(membership: GroupMembership): Promise<void>;
  /**
   * Each topic's partition count as the broker says it now (never a cached answer: a partition
   * added a moment ago counts). Fails when a topic does not exist.
   */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
}

export interface MessageProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Not atomic: the records go in runs of about half a MiB (chunkRecords), one request after
   * another, so a send that fails may have written the runs before the one refused. A caller
   * that needs all or nothing writes in a transaction.
   */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<DeliveredRecord[]>;
}

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next record to read, as Kafka expects (last processed + 1). */
  readonly offset: string;
}

/**
 * Once a send or sendOffsets of it has failed, a transaction can only be aborted: every other
 * request is refused with CL_KAFKA_FATAL naming the failure (see abort-only.ts).
 */
export interface Transaction {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  /** Records of several topics in as few requests as the size limit allows, each topic's in order. */
  sendMany(byTopic: ReadonlyMap<string, readonly OutgoingRecord[]>): Promise<void>;
  /**
   * Adds consumed offsets to the transaction so they commit or abort with its outputs. Given the
   * consuming member's membership (MessageConsumer.membership()), the broker takes them only
   * while the group is still at that member's generation (KIP-447): a member the group moved on
   * from, or one whose session expired, gets CL_KAFKA_NOT_MEMBER and can commit nothing, however
   * it holds the transactional id. Given a group id alone, they are taken without that check.
   */
  sendOffsets(group: string | GroupMembership, offsets: readonly OffsetCommit[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A consumer's place in its group as it last heard it from the group: what a transaction's
 * offsets are committed under (see Transaction.sendOffsets).
 */
export interface GroupMembership {
  readonly groupId: string;
  /** The generation of the member's last join; 0 before its first. */
  readonly generationId: number;
  /** '' before the member's first join. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface TransactionalProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Claims the transactional id now: any older producer with the same id is fenced and its open
   * transaction aborted. Call before reading state the old owner may still be writing. A
   * producer claims its id once (here or at its first begin); called again, this does nothing,
   * and it is refused while the producer's own transaction is open.
   */
  fence(): Promise<void>;
  /**
   * Asks the broker nothing once the id is claimed: a newer producer's claim shows as
   * CL_KAFKA_FENCED at the transaction's first send or end, and from then on every request of
   * this producer, fence() included, is refused so.
   */
  begin(): Promise<Transaction>;
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly IncomingRecord[];
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset this member reads: everything before it was handled, or was never data. */
  readonly next: string;
}

export interface ConsumerHandlers {
  /**
   * Handles one batch. Anything it throws makes the consumer fetch the batch again from the last
   * committed offset, so bad data must be dead-lettered here, not thrown. A handler may take as
   * long as it needs (waiting out an outage): the group membership does not depend on it.
   */
  eachBatch(batch: RecordBatch): Promise<void>;
  /**
   * Whenever the member's position in a partition moves, after the batch that moved it was
   * handled, and also past transaction markers and aborted records, which never reach eachBatch:
   * the way to know a partition was read up to an offset.
   */
  onPosition?(position: PartitionPosition): void;
  /**
   * Called after each group join with this member's partitions, before any of their batches, and
   * the membership they were dealt under: the offsets of work done for this assignment commit
   * under it, so that once the group has moved on (a newer generation) they are refused.
   */
  onAssignment?(assigned: readonly TopicPartitions[], membership: GroupMembership): Promise<void> | void;
  /**
   * The consumer moved its position in a partition past records it never handed over, because
   * the broker no longer had the offset it was to read (see SkippedRecords). Called once per
   * reset, after the consumer logged it (CL_RECORDS_SKIPPED) and before it reads on; the owner
   * counts it and raises what it raises. A throw is logged and changes nothing.
   */
  onSkipped?(skipped: SkippedRecords): void;
}

/**
 * Records a consumer passed over: the offset it was to read was no longer on the broker, and
 * Kafka's only way on is to move the position (to the log start, or the end). Nothing of them
 * can be read again, so the owner must say so; a silent reset is how records get lost.
 */
export interface SkippedRecords {
  readonly topic: string;
  readonly partition: number;
  /** The offset the consumer was to read next (its committed offset, or where it had read to). */
  readonly from: string;
  /** Where it reads on from: the log start, or the log end for a consumer subscribed without fromBeginning. */
  readonly to: string;
  /** The partition's log start and end (high watermark) when the position was moved. */
  readonly logStart: string;
  readonly logEnd: string;
  /**
   * deleted: `from` lay below the log start: retention or deleteRecords removed records before
   * they were read. past-end: `from` lay past the log's end: the topic was deleted and created
   * again (or its log cut back), so what it held after `from` is not known.
   */
  readonly cause: 'deleted' | 'past-end';
  /**
   * Offsets passed over (to − from) when deleted: at most that many records, since transaction
   * markers take offsets too. Null when past-end.
   */
  readonly count: number | null;
  /** When the consumer met it, epoch milliseconds. */
  readonly at: number;
}

/**
 * Whether a consumer is getting on. `failing` once something it keeps trying (joining its group,
 * taking an assignment, reading positions, fetching, handling a partition's batches) has failed
 * for longer than its grace (FAILING_AFTER_MS by default): the consumer goes on trying, and this
 * is how an operator learns of it.
 */
export interface ConsumerHealth {
  readonly state: 'starting' | 'reading' | 'failing';
  /** 0 unless failing. */
  readonly failingForMs: number;
  /** What is failing and why, while failing: never contact data, only the client's errors. */
  readonly reason: string | null;
  /**
   * The records this consumer passed over since it started (see SkippedRecords), oldest first;
   * absent when none. A consumer reads on after a skip, so its state stays `reading`: what
   * makes the loss an alert is its owner (its process's SkippedWatch raises RECORDS_SKIPPED).
   */
  readonly skipped?: readonly SkippedRecords[];
}

export interface MessageConsumer {
  /** See ConsumerHealth. */
  health(): ConsumerHealth;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(topics: readonly string[], options?: { fromBeginning?: boolean }): Promise<void>;
  /**
   * Starts fetching. Offsets are committed only through commitOffsets or a transaction's
   * sendOffsets, never automatically, and only committed (read_committed) data is read.
   */
  run(handlers: ConsumerHandlers): Promise<void>;
  commitOffsets(offsets: readonly OffsetCommit[]): Promise<void>;
  /** This member's membership as of its last join, for a transaction's offsets (see Transaction.sendOffsets). */
  membership(): GroupMembership;
  pause(parts: readonly TopicPartitions[]): void;
  resume(parts: readonly TopicPartitions[]): void;
  seek(topic: string, partition: number, offset: string): void;
}

export interface ProducerOptions {
  /** Idempotent producers need acks=all and few requests in flight; the client enforces both. */
  readonly idempotent?: boolean;
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** Give partition p of every subscribed topic to one member (for co-partitioned inputs). */
  readonly coPartitioned?: boolean;
  readonly sessionTimeoutMs?: number;
  /**
   * How many partitions' batches may be in the handler at once (default 1). Each partition's
   * batches come one after the other, unless batchesPerPartition allows more.
   */
  readonly partitionsConcurrently?: number;
  /**
   * How many batches of one partition may be in the handler at once (default 1; a consumer may
   * hand over fewer). Above 1, a partition is fetched again while its earlier batches are in
   * hand: its eachBatch calls still start in offset order, each before the next, and the handler
   * keeps their effects (and their offset commits) in order. A batch that throws makes the
   * partition read again from its committed offset, and it is not read before every batch of
   * it in hand has settled.
   */
  readonly batchesPerPartition?: number;
  /** How long trouble lasts before health() says failing (default FAILING_AFTER_MS). */
  readonly failingAfterMs?: number;
}

export interface Messaging {
  admin(): MessagingAdmin;
  producer(options?: ProducerOptions): MessageProducer;
  transactionalProducer(transactionalId: string): TransactionalProducer;
  consumer(options: ConsumerOptions): MessageConsumer;
}
