import { AbortOnly } from '../abort-only.ts';
import { chunkRecords, recordBytes } from '../chunk.ts';
import { FENCED_CAUSES } from '../fenced.ts';
import { partitionFor } from '../partitioner.ts';
import type {
  DeliveredRecord,
  GroupMembership,
  MessageProducer,
  OffsetCommit,
  OutgoingRecord,
  Transaction,
  TransactionalProducer,
} from '../types.ts';
import { GROUP_REFUSAL, missingTopic, refused, type Cluster, type OpenTxn } from './cluster.ts';
import type { PartitionLog } from './log.ts';

/** The broker's default message.max.bytes, which caps a record batch and so a single record. */
const BROKER_MAX_MESSAGE_BYTES = 1_048_588;
const TOO_LARGE =
  'Producing messages failed. (The request included a message larger than the max message size the server will accept.)';

/**
 * Where each record goes, as the Kafka adapter's producers put it (javaPartitioner): the explicit
 * partition, else murmur2 of the key, else the next partition in turn. Each partition's records
 * keep their order.
 */
function route(
  cluster: Cluster,
  topic: string,
  records: readonly OutgoingRecord[],
  turn: { next: number },
  action: string,
): Map<PartitionLog, OutgoingRecord[]> {
  const logs = cluster.partitions(topic, action);
  const out = new Map<PartitionLog, OutgoingRecord[]>();
  for (const r of records) {
    // As the broker answers a record above its message.max.bytes: for good, and nothing of the
    // request written (the adapters send such a record in a request of its own).
    if (recordBytes(r) > BROKER_MAX_MESSAGE_BYTES) throw refused(action, TOO_LARGE, 'MESSAGE_TOO_LARGE');
  }
  for (const r of records) {
    const p =
      r.partition ?? (r.key === null ? turn.next++ % logs.length : partitionFor(Buffer.from(r.key), logs.length));
    const log = logs[p];
    if (!log) throw missingTopic(topic, `${action}: partition ${p} of ${logs.length}`);
    const list = out.get(log) ?? [];
    list.push(r);
    out.set(log, list);
  }
  return out;
}

export class InMemoryProducer implements MessageProducer {
  readonly #cluster: Cluster;
  readonly #turn = { next: 0 };

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  /**
   * In the runs the Kafka adapter sends them in (chunkRecords), one after another: a run the
   * broker refuses fails the send with the runs before it written and none after, as on Kafka.
   */
  async send(topic: string, records: readonly OutgoingRecord[]): Promise<DeliveredRecord[]> {
    const delivered: DeliveredRecord[] = [];
    try {
      for (const chunk of chunkRecords(records)) {
        const byPartition = route(this.#cluster, topic, chunk, this.#turn, `producing to ${topic}`);
        const now = String(this.#cluster.clock());
        for (const [log, list] of byPartition)
          delivered.push({ topic, partition: log.partition, baseOffset: String(log.append(list, null, now)) });
      }
    } finally {
      if (delivered.length > 0) this.#cluster.changed();
    }
    return delivered;
  }
}

// The broker's words, then what they may mean, as the Kafka adapter says them.
const FENCED =
  'Producer attempted an operation with an old epoch. Either there is a newer producer with the same ' +
  `transactionalId, or the producer has been fenced ${FENCED_CAUSES}`;

export class InMemoryTransactionalProducer implements TransactionalProducer {
  readonly #cluster: Cluster;
  readonly #id: string;
  readonly #turn = { next: 0 };
  /** 0 until the id is claimed, by fence() or the first begin(), as the Kafka adapter claims it. */
  #epoch = 0;
  /**
   * Set at the first request refused for a newer claim; every later one is refused at once, as
   * the Kafka adapter's are: claiming the id again would fence the producer that took it over.
   */
  #fenced = false;
  #current: OpenTxn | null = null;

  constructor(cluster: Cluster, transactionalId: string) {
    this.#cluster = cluster;
    this.#id = transactionalId;
  }

  async connect(): Promise<void> {}

  /**
   * A transaction left open stays open, as on a broker, until the id is claimed again or its
   * timeout aborts it (see Cluster.ongoing).
   */
  async disconnect(): Promise<void> {}

  /**
   * Claims the id once, as the Kafka adapter's client does: a producer that holds it already asks
   * nothing again, and one with a transaction open is refused.
   */
  async fence(): Promise<void> {
    this.#claimOnce('claiming the transactional id');
  }

  /** Asks the broker nothing once the id is claimed: a newer claim shows at the first send or end. */
  async begin(): Promise<Transaction> {
    this.#claimOnce('beginning a Kafka transaction');
    const txn: OpenTxn = { state: 'open', partitions: new Set(), offsets: new Map() };
    this.#current = txn;
    // Not the broker's open transaction of the id while another producer holds it.
    if (this.#cluster.epoch(this.#id) === this.#epoch) this.#cluster.open(this.#id, txn);
    const send = (topic: string, records: readonly OutgoingRecord[], action: string) => {
      this.#check(action, txn);
      const byPartition = route(this.#cluster, topic, records, this.#turn, action);
      this.#cluster.ongoing(this.#id, txn);
      const now = String(this.#cluster.clock());
      for (const [log, list] of byPartition) {
        txn.partitions.add(log);
        log.append(list, txn, now);
      }
    };
    // As the Kafka adapter: after a failed request the transaction can only be aborted.
    const failed = new AbortOnly();
    return {
      send: (topic, records) => {
        const action = `producing to ${topic} in a transaction`;
        return failed.run(action, async () => send(topic, records, action));
      },
      sendMany: (byTopic) => {
        const action = `producing to ${[...byTopic.keys()].join(', ')} in a transaction`;
        return failed.run(action, async () => {
          for (const [topic, records] of byTopic) send(topic, records, action);
        });
      },
      sendOffsets: (group: string | GroupMembership, offsets: readonly OffsetCommit[]) =>
        failed.run('adding offsets to the transaction', async () => this.#sendOffsets(txn, group, offsets)),
      commit: async () => {
        this.#check('committing the transaction', txn);
        failed.check('committing the transaction');
        this.#cluster.end(this.#id, txn, 'committed');
      },
      abort: async () => {
        this.#check('aborting the transaction', txn);
        this.#cluster.end(this.#id, txn, 'aborted');
      },
    };
  }

  #sendOffsets(txn: OpenTxn, group: string | GroupMembership, offsets: readonly OffsetCommit[]): void {
    const action = 'adding offsets to the transaction';
    this.#check(action, txn);
    const groupId = typeof group === 'string' ? group : group.groupId;
    const refusal = typeof group === 'string' ? null : this.#cluster.group(groupId).refusal(group);
    if (refusal) throw refused(action, GROUP_REFUSAL[refusal], refusal);
    const list = txn.offsets.get(groupId) ?? [];
    list.push(...offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) })));
    txn.offsets.set(groupId, list);
    this.#cluster.ongoing(this.#id, txn);
  }

  /** Refused once fenced or with a transaction open; else the id is claimed, the first time only. */
  #claimOnce(action: string): void {
    this.#refuseIfFenced(action);
    if (this.#current?.state === 'open') throw refused(action, 'There is already an active transaction.');
    if (this.#epoch === 0) this.#epoch = this.#cluster.claim(this.#id);
  }

  #refuseIfFenced(action: string): void {
    if (this.#fenced) throw refused(action, FENCED, 'INVALID_PRODUCER_EPOCH');
  }

  /** What the broker checks at each request of a transaction: the epoch, then that it is open. */
  #check(action: string, txn: OpenTxn): void {
    this.#refuseIfFenced(action);
    if (this.#cluster.epoch(this.#id) !== this.#epoch) {
      this.#fenced = true;
      throw refused(action, FENCED, 'INVALID_PRODUCER_EPOCH');
    }
    if (txn.state !== 'open') throw refused(action, 'Cannot continue to use transaction once ended');
  }
}
