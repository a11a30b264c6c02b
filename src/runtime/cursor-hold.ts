import { CloseloopError } from '../errors/index.ts';
import type { Messaging, TransactionalProducer } from '../messaging/index.ts';
import { claimSourceCursor, lastRecordHeaders, sourceTransactionalId } from './source-cursor.ts';
import { writeBatch, type EncodedBatch } from './source-publish.ts';

export interface CursorHoldOptions {
  readonly messaging: Messaging;
  readonly connector: string;
  /** Where the batches' records go. */
  readonly topic: string;
  /** Where the cursor record lives: its reads, writes and transactional id name it. */
  readonly cursorTopic: string;
  readonly cursorKey: string;
}

/**
 * A source runner's hold on its cursor record: the transactional id it claims, and the batches
 * it writes with the cursor after them. Kept apart from the runner, which decides when to claim
 * and what a failed write means.
 */
export class CursorHold {
  readonly #o: CursorHoldOptions;
  #producer: TransactionalProducer | null = null;

  constructor(options: CursorHoldOptions) {
    this.#o = options;
  }

  /** The cursor record it guards, its topic and key (see sourceTransactionalId). */
  get transactionalId(): string {
    return sourceTransactionalId(this.#o.cursorTopic, this.#o.cursorKey);
  }

  /**
   * Takes the transactional id (an older holder can then commit no more) and reads the stored
   * cursor, which is therefore final, and when records were last published with it.
   */
  async claim(): Promise<{ cursor: string | null; publishedAt: number | null }> {
    await this.release().catch(() => undefined);
    const { producer, cursor, publishedAt } = await claimSourceCursor(
      this.#o.messaging,
      this.#o.cursorTopic,
      this.#o.cursorKey,
    );
    this.#producer = producer;
    return { cursor, publishedAt };
  }

  /** Writes the batch and `cursor` after it in one transaction; thrown when that failed. */
  async write(encoded: EncodedBatch, cursor: string, recordsAt: number | null): Promise<void> {
    const producer = this.#producer;
    // Not reached while the runner runs (it starts, and comes back from a failed publish, only
    // with the id claimed); were it, the batch would count as published without being written.
    if (!producer)
      throw new CloseloopError(
        'CL_KAFKA_TRANSIENT',
        `source ${this.#o.connector}: its transactional id is not claimed`,
      );
    const { cursorTopic, cursorKey } = this.#o;
    const headers = lastRecordHeaders(recordsAt);
    await writeBatch(producer, this.#o.topic, encoded, { topic: cursorTopic, key: cursorKey, value: cursor, headers });
  }

  async release(): Promise<void> {
    const producer = this.#producer;
    this.#producer = null;
    await producer?.disconnect();
  }
}
