import type { OutgoingRecord } from './types.ts';

/**
 * Below the broker's default message.max.bytes (1 MiB), which caps a whole record batch of one
 * partition: the client puts everything of one send for a partition into a single batch.
 */
export const MAX_SEND_BYTES = 512 * 1024;

function sizeOf(r: OutgoingRecord): number {
  // 64: a generous allowance for the record's own framing.
  let n = Buffer.byteLength(r.key ?? '') + (r.value?.length ?? 0) + 64;
  for (const [k, v] of Object.entries(r.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/**
 * Splits records into consecutive runs of at most `maxBytes` each, keeping their order, so a
 * backlog batch never becomes one request the broker refuses. A record larger than the limit
 * goes alone and is left for the broker to judge.
 */
export function chunkRecords(records: readonly OutgoingRecord[], maxBytes = MAX_SEND_BYTES): OutgoingRecord[][] {
  const out: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = sizeOf(r);
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Like chunkRecords, over several topics: runs of (topic, records) under the byte budget. */
export function chunkByTopic(
  byTopic: ReadonlyMap<string, readonly OutgoingRecord[]>,
  maxBytes = MAX_SEND_BYTES,
): Map<string, OutgoingRecord[]>[] {
  const out: Map<string, OutgoingRecord[]>[] = [];
  let current = new Map<string, OutgoingRecord[]>();
  let bytes = 0;
  let count = 0;
  for (const [topic, records] of byTopic) {
    for (const r of records) {
      const size = sizeOf(r);
      if (count > 0 && bytes + size > maxBytes) {
        out.push(current);
        current = new Map();
        bytes = 0;
        count = 0;
      }
      const list = current.get(topic);
      if (list) list.push(r);
      else current.set(topic, [r]);
      bytes += size;
      count += 1;
    }
  }
  if (count > 0) out.push(current);
  return out;
}
