import type { CloseloopError } from '../errors/index.ts';
import { MAX_RECORD_BYTES, recordBytes } from './chunk.ts';
import { carriedHeaders } from './headers.ts';
import type { IncomingRecord, OutgoingRecord } from './types.ts';

/** Header names follow Kafka Connect's DeadLetterQueueReporter, under our own prefix. */
export const DLQ_HEADERS = {
  topic: 'closeloop.dlq.original.topic',
  partition: 'closeloop.dlq.original.partition',
  offset: 'closeloop.dlq.original.offset',
  stage: 'closeloop.dlq.stage',
  connector: 'closeloop.dlq.connector',
  code: 'closeloop.dlq.error.code',
  message: 'closeloop.dlq.error.message',
  time: 'closeloop.dlq.time',
  /** Where a source's change sits in its system's feed (a sequence, a row stamp): no topic had it yet. */
  position: 'closeloop.dlq.source.position',
  /** Set, to the value's length in bytes, when the value was too large to keep (see deadLetter). */
  valueDropped: 'closeloop.dlq.value.dropped',
  /** Set, to the original headers' names, when they too were too large to keep. */
  headersDropped: 'closeloop.dlq.headers.dropped',
  /** Set, to the key's length in bytes, when even the key was too large to keep. */
  keyDropped: 'closeloop.dlq.key.dropped',
} as const;

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * The original key, value and headers, untouched, plus where it came from and why it failed.
 *
 * A record the broker took may still be too large to write again with the provenance headers
 * added (a value near the 1 MiB limit): the dead letter then keeps its headers but not its value,
 * and says so with the value's length, so the write cannot fail the transaction over and over
 * and stall the partition; if that is not enough, its own headers go too (their names kept),
 * then its key (its length kept). The original stays at the offset the headers name, for as long
 * as its topic retains it.
 */
export function deadLetter(
  record: IncomingRecord,
  error: CloseloopError,
  connector: string,
  now: number,
): OutgoingRecord {
  const { headers, headerList } = carriedHeaders(record);
  headers[DLQ_HEADERS.topic] = record.topic;
  headers[DLQ_HEADERS.partition] = String(record.partition);
  headers[DLQ_HEADERS.offset] = record.offset;
  headers[DLQ_HEADERS.stage] = error.stage;
  headers[DLQ_HEADERS.connector] = connector;
  headers[DLQ_HEADERS.code] = error.code;
  headers[DLQ_HEADERS.message] = error.message.slice(0, 1000);
  headers[DLQ_HEADERS.time] = new Date(now).toISOString();
  // The key's own bytes: a foreign key need not be UTF-8, and text would not give them back.
  const letter: OutgoingRecord = {
    key: record.key,
    value: record.value,
    ...(headerList ? { headerList } : {}),
    headers,
    partition: record.partition,
  };
  if (recordBytes(letter) <= MAX_RECORD_BYTES) return letter;
  headers[DLQ_HEADERS.valueDropped] = String(record.value?.length ?? 0);
  const valueless = { ...letter, value: null };
  if (recordBytes(valueless) <= MAX_RECORD_BYTES) return valueless;
  // Headers or a key near the limit (a compressing producer, a topic with a larger
  // max.message.bytes): what no dead letter can carry goes too, named, so it is always written.
  const own = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('closeloop.dlq.')));
  const names = new Set(
    (headerList?.map(([k]) => k) ?? Object.keys(record.headers)).filter((k) => !k.startsWith('closeloop.dlq.')),
  );
  own[DLQ_HEADERS.headersDropped] = [...names].join(',').slice(0, 2000);
  const headerless: OutgoingRecord = { key: record.key, value: null, headers: own, partition: record.partition };
  if (recordBytes(headerless) <= MAX_RECORD_BYTES) return headerless;
  own[DLQ_HEADERS.keyDropped] = String(record.key?.length ?? 0);
  return { ...headerless, key: null };
}

/**
 * A source's change that never reached its topic (it could not be read, or did not fit the
 * topic's schema): the change as JSON, for a person to read and the system to be fixed by, with
 * the same provenance headers as any dead letter but a position in the system's feed in place of
 * a topic, partition and offset. Replay therefore skips it ("never was on a topic"): a second
 * chance is a corrected change from the system. Too large to keep, the value goes as in deadLetter.
 */
export function sourceDeadLetter(
  key: string | null,
  value: unknown,
  error: CloseloopError,
  connector: string,
  position: string | null,
  now: number,
): OutgoingRecord {
  const headers: Record<string, string> = {
    [DLQ_HEADERS.stage]: error.stage,
    [DLQ_HEADERS.connector]: connector,
    [DLQ_HEADERS.code]: error.code,
    [DLQ_HEADERS.message]: error.message.slice(0, 1000),
    [DLQ_HEADERS.time]: new Date(now).toISOString(),
    ...(position === null ? {} : { [DLQ_HEADERS.position]: position.slice(0, 200) }),
  };
  const letter = { key, value: Buffer.from(JSON.stringify(value) ?? 'null'), headers };
  if (recordBytes(letter) <= MAX_RECORD_BYTES) return letter;
  headers[DLQ_HEADERS.valueDropped] = String(letter.value.length);
  return { ...letter, value: null };
}
