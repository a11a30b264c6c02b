import type { Consumer, Producer } from '@platformatic/kafka';
import { CloseloopError, isCloseloopError } from '../../errors/index.ts';
import { AbortOnly } from '../abort-only.ts';
import { chunkByTopic, chunkRecords } from '../chunk.ts';
import type { GroupMembership, OffsetCommit, OutgoingRecord, Transaction, TransactionalProducer } from '../types.ts';
import { FENCED_CAUSES } from '../fenced.ts';
import { guarded, translatePlatformaticError } from './errors.ts';
import { toMessage } from './producer.ts';
import { commitTxnOffsets } from './txn-offsets.ts';

type PltTransaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** The node that coordinates a consumer group, for the transaction's offset commit. */
export type CoordinatorLookup = (groupId: string, options?: { fresh?: boolean }) => Promise<number>;

export class PlatformaticTransactionalProducer implements TransactionalProducer {
  readonly #producer: Producer;
  readonly #coordinatorOf: CoordinatorLookup;
  // Once fenced, the client would claim the id again on the next begin and fence the instance
  // that took over: a zombie must stay dead.
  #fenced = false;

  constructor(producer: Producer, coordinatorOf: CoordinatorLookup) {
    this.#producer = producer;
    this.#coordinatorOf = coordinatorOf;
  }

  connect(): Promise<void> {
    return this.#guarded('connecting the transactional producer', async () => {
      await this.#producer.metadata({ topics: [] });
    });
  }

  disconnect(): Promise<void> {
    return guarded('disconnecting the transactional producer', () => this.#producer.close(true));
  }

  /**
   * The client claims the id (InitProducerId, which fences older producers and aborts their open
   * transaction) when its first transaction begins; cancelling that transaction sends nothing.
   */
  fence(): Promise<void> {
    return this.#guarded('claiming the transactional id', async () => {
      const tx = await this.#producer.beginTransaction();
      await tx.cancel();
    });
  }

  begin(): Promise<Transaction> {
    return this.#guarded('beginning a Kafka transaction', async () => {
      const tx = await this.#producer.beginTransaction();
      // The client would commit whatever reached the broker before a failed request: see AbortOnly.
      const failed = new AbortOnly();
      const request = (action: string, fn: () => Promise<void>) => failed.run(action, () => this.#guarded(action, fn));
      return {
        send: (topic, records) =>
          request(`producing to ${topic} in a transaction`, async () => {
            for (const chunk of chunkRecords(records))
              await tx.send({ messages: chunk.map((r) => toMessage(topic, r)) });
          }),
        sendMany: (byTopic) =>
          request(`producing to ${[...byTopic.keys()].join(', ')} in a transaction`, async () => {
            for (const chunk of chunkByTopic(byTopic)) {
              const messages = [...chunk].flatMap(([topic, records]: [string, OutgoingRecord[]]) =>
                records.map((r) => toMessage(topic, r)),
              );
              await tx.send({ messages });
            }
          }),
        sendOffsets: (group, offsets) =>
          request('adding offsets to the transaction', () => this.#sendOffsets(tx, group, offsets)),
        commit: () =>
          this.#guarded('committing the transaction', async () => {
            failed.check('committing the transaction');
            await tx.commit();
          }),
        abort: () => this.#guarded('aborting the transaction', () => tx.abort()),
      };
    });
  }

  async #sendOffsets(tx: PltTransaction, group: string | GroupMembership, offsets: readonly OffsetCommit[]) {
    if (offsets.length === 0) return;
    // A group id alone: generation -1 and no member id, which the broker takes without a check.
    const member: GroupMembership =
      typeof group === 'string' ? { groupId: group, generationId: -1, memberId: '', groupInstanceId: null } : group;
    const { groupId } = member;
    // AddOffsetsToTxn: the group's offsets topic joins the transaction.
    await tx.addConsumer({ groupId } as Consumer);
    const commit = async (fresh: boolean) =>
      commitTxnOffsets(this.#producer, tx.id, member, await this.#coordinatorOf(groupId, { fresh }), offsets);
    // The coordinator may have moved since it was looked up: once more with a fresh answer. Not
    // for a refusal about the member or the producer, which another coordinator would repeat.
    await commit(false).catch((err: unknown) => {
      const { code } = translatePlatformaticError(err, 'adding offsets to the transaction');
      if (code === 'CL_KAFKA_NOT_MEMBER' || code === 'CL_KAFKA_FENCED') throw err;
      return commit(true);
    });
  }

  async #guarded<T>(action: string, fn: () => Promise<T>): Promise<T> {
    if (this.#fenced) {
      throw new CloseloopError('CL_KAFKA_FENCED', `${action}: this producer was fenced ${FENCED_CAUSES}`);
    }
    try {
      return await guarded(action, fn);
    } catch (err) {
      if (isCloseloopError(err, 'CL_KAFKA_FENCED')) this.#fenced = true;
      throw err;
    }
  }
}
