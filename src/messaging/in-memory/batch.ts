import type { BatchProgress, IncomingRecord, RecordBatch } from '../types.ts';
import type { Fetched } from './log.ts';

// The kafkajs-shaped members of the port (a batch's staleness after a seek, heartbeats, progress
// after every fetch) live here alone, so they go in one place if the port drops them.

export function recordBatch(
  topic: string,
  partition: number,
  records: readonly IncomingRecord[],
  isStale: () => boolean,
): RecordBatch {
  // Membership here does not lapse while a handler works, so a heartbeat has nothing to do.
  return { topic, partition, records, isStale, heartbeat: async () => {} };
}

export function progress(topic: string, partition: number, fetched: Fetched, high: number): BatchProgress {
  return { topic, partition, lastOffset: String(fetched.lastOffset), highWatermark: String(high) };
}
