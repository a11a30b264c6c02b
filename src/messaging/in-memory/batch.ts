import type { IncomingRecord, PartitionPosition, RecordBatch } from '../types.ts';
import type { Fetched } from './log.ts';

export function recordBatch(topic: string, partition: number, records: readonly IncomingRecord[]): RecordBatch {
  return { topic, partition, records };
}

/** Past the fetch: its data was handed over, and its markers and aborted records are behind it. */
export function position(topic: string, partition: number, fetched: Fetched): PartitionPosition {
  return { topic, partition, next: String(fetched.lastOffset + 1) };
}
