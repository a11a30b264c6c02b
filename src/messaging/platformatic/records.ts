import { IS_CONTROL, IS_TRANSACTIONAL, type Consumer, type RecordsBatch } from '@platformatic/kafka';
import { readHeaders } from '../headers.ts';
import type { IncomingRecord } from '../types.ts';

type FetchResponsePartition = Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number];

export interface FetchedPartition {
  readonly records: IncomingRecord[];
  /** The next offset to fetch: past everything the response covered, markers and aborted data too. */
  readonly next: bigint | null;
}

/**
 * Attribute bit 3 of a batch: its topic stamps records with the broker's clock
 * (message.timestamp.type=LogAppendTime). The broker then sets the batch's maxTimestamp to the
 * time it appended the batch and leaves each record's own timestamp as the producer wrote it, so
 * every record of the batch is given maxTimestamp, as Java's DefaultRecordBatch and librdkafka
 * read it: the producer's clock (a host hours off, a replay of old data) is what such a topic
 * is set up to ignore.
 */
const LOG_APPEND_TIME = 0x08;

// A control record's key is a version (int16) then the marker type (int16): 0 aborts, 1 commits.
const isAbortMarker = (b: RecordsBatch) => (b.attributes & IS_CONTROL) !== 0 && b.records[0]?.key?.readInt16BE(2) === 0;

/**
 * The committed records of one partition's fetch response, from offset `from` on. The broker
 * sends read_committed consumers the records of aborted transactions too, with a list of where
 * those transactions began; as Java's consumer does, every batch of a producer is dropped from
 * the first offset of one of its aborted transactions until that producer's abort marker. (The
 * client's own filter handles one aborted transaction per producer and response, and keeps an
 * aborted transaction whose marker did not fit in the response: not enough for exactly-once.)
 */
export function committedRecords(
  topic: string,
  partition: number,
  response: FetchResponsePartition,
  from: bigint,
): FetchedPartition {
  const aborted = [...(response.abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  const records: IncomingRecord[] = [];
  let next: bigint | null = null;
  for (const batch of response.records ?? []) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (last < from) continue;
    next = last + 1n;
    if (batch.producerId >= 0n) {
      while (aborted.length > 0 && (aborted[0]?.firstOffset ?? last + 1n) <= last) {
        const started = aborted.shift();
        if (started) abortedProducers.add(started.producerId);
      }
      if (isAbortMarker(batch)) {
        abortedProducers.delete(batch.producerId);
        continue;
      }
      if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId)) continue;
    }
    if ((batch.attributes & IS_CONTROL) !== 0) continue;
    const appended = (batch.attributes & LOG_APPEND_TIME) !== 0 ? String(batch.maxTimestamp) : null;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      records.push({
        topic,
        partition,
        offset: String(offset),
        timestamp: appended ?? String(batch.firstTimestamp + r.timestampDelta),
        key: r.key ?? null,
        value: r.value ?? null,
        ...readHeaders(r.headers),
      });
    }
  }
  return { records, next };
}
