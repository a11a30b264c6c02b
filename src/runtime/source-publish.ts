import { withoutContactData } from '../domain/pii.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import {
  deadLetterTopic,
  sourceDeadLetter,
  subjectForTopic,
  type AvroSerde,
  type OutgoingRecord,
  type TransactionalProducer,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SourceBatch } from '../sdk/connector.ts';

/** A batch as the source runner writes it: the records encoded, and the changes it dead-letters. */
export interface EncodedBatch {
  readonly records: readonly OutgoingRecord[];
  readonly dead: readonly { letter: OutgoingRecord; err: CloseloopError; position: string | null }[];
}

/**
 * Encodes a batch with the topic's schema. A change is kept, as JSON with the reason and its
 * position in the feed, without contact data, rather than dropped or allowed to block the source:
 * one the connector could not read, or one that does not fit the topic's schema (a connector or
 * upstream bug). The cursor moves past it with the rest of the batch. Any other failure is no
 * change's own and is thrown, the batch tried again: the registry unreachable (retriable), or
 * the topic's subject without a schema to write with (CL_SCHEMA_NOT_REGISTERED: the processor,
 * which registers the schemas, not started yet; or a registry refusing the lookup), which would
 * otherwise bury every change of the feed as a dead letter no replay can send again.
 */
export async function encodeBatch<T>(
  o: { readonly topic: string; readonly serde: AvroSerde; readonly connector: string },
  batch: SourceBatch<T>,
): Promise<EncodedBatch> {
  const subject = subjectForTopic(o.topic);
  const records: OutgoingRecord[] = [];
  const dead: { letter: OutgoingRecord; err: CloseloopError; position: string | null }[] = [];
  const bury = (key: string | null, value: unknown, err: CloseloopError, position: string | null) => {
    dead.push({ letter: sourceDeadLetter(key, value, err, o.connector, position, Date.now()), err, position });
  };
  // A change as the system sent it may carry what the bridge never takes in (a requester's
  // e-mail, a caller's phone): its dead letter keeps the change's shape and facts, not those.
  for (const r of batch.rejected ?? []) bury(r.key, withoutContactData(r.raw), r.error, r.position);
  for (const r of batch.records) {
    try {
      records.push({ key: r.key, value: await o.serde.encode(subject, r.value) });
    } catch (err) {
      if (!isCloseloopError(err, 'CL_ENCODE_INVALID')) throw err;
      // A record the connector read may carry a person's contact data in its free text (a note
      // quoting the caller): the dead letter is kept without it, and found by its feed position.
      bury(r.key, withoutContactData(r.value), err, r.position ?? null);
    }
  }
  return { records, dead };
}

/**
 * Writes a batch's records, its dead letters and the cursor after it in one transaction, so a
 * crash or restart neither skips nor repeats a change; aborted on any failure, which is thrown.
 */
export async function writeBatch(
  producer: TransactionalProducer,
  topic: string,
  batch: EncodedBatch,
  cursor: {
    readonly topic: string;
    readonly key: string;
    readonly value: string;
    readonly headers?: Readonly<Record<string, string>>;
  },
): Promise<void> {
  const tx = await producer.begin();
  try {
    if (batch.dead.length > 0) {
      const letters = batch.dead.map((d) => d.letter);
      await tx.send(deadLetterTopic(topic), letters).catch((err: unknown) => {
        // A fence is the producer's, not the dead-letter topic's: the transaction's first send
        // is where it shows, and the runner must stand aside for it, not claim the id back.
        if (isCloseloopError(err, 'CL_KAFKA_FENCED')) throw err;
        throw new CloseloopError('CL_DEAD_LETTER_FAILED', `writing to ${deadLetterTopic(topic)}: ${messageOf(err)}`, {
          cause: err,
        });
      });
    }
    // The records and the cursor in one produce request: a round trip less on every batch's path.
    const writes = new Map<string, OutgoingRecord[]>();
    if (batch.records.length > 0) writes.set(topic, [...batch.records]);
    writes.set(cursor.topic, [{ key: cursor.key, value: Buffer.from(cursor.value), headers: cursor.headers ?? {} }]);
    await tx.sendMany(writes);
    await tx.commit();
  } catch (err) {
    await tx.abort().catch(() => undefined);
    throw err;
  }
}

/**
 * What a source runner published, counted once per batch that committed: when its commit answers,
 * or when the answer was lost and the stored cursor, read again, says it went through. Its own
 * class, so both ways count alike, in status() and in the metrics.
 */
export class PublishedTally {
  published = 0;
  deadLettered = 0;
  readonly #o: { readonly connector: string; readonly topic: string; readonly metrics?: Metrics | undefined };
  readonly #log: Logger;

  constructor(
    o: { readonly connector: string; readonly topic: string; readonly metrics?: Metrics | undefined },
    log: Logger,
  ) {
    this.#o = o;
    this.#log = log;
  }

  count(batch: EncodedBatch): void {
    const { connector, topic, metrics } = this.#o;
    this.published += batch.records.length;
    this.deadLettered += batch.dead.length;
    metrics?.published.inc({ connector }, batch.records.length);
    for (const { err, position } of batch.dead) {
      metrics?.deadLetters.inc({ topic, code: err.code });
      this.#log.warn({ code: err.code, position, error: err.message }, 'change dead-lettered; the feed goes on');
    }
  }
}
