import { readHeaders, writtenHeaders } from '../headers.ts';
import type { HeaderEntry, IncomingRecord, OutgoingRecord } from '../types.ts';

/** One transaction's outcome, shared by every record it wrote, so a commit or abort flips them all. */
export interface TxnState {
  state: 'open' | 'committed' | 'aborted';
}

interface Entry {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** As written: names may repeat, values may be null (see IncomingRecord.headerList). */
  readonly headers: readonly HeaderEntry[];
  readonly timestamp: string;
  readonly txn: TxnState | null;
  /** A commit or abort marker: takes an offset, as Kafka's control records do, and is never handed over. */
  readonly control: boolean;
}

/** An entry's bytes as recordBytes counts an outgoing record's: key, value, headers and framing. */
function entryBytes(e: Entry): number {
  let n = (e.key?.length ?? 0) + (e.value?.length ?? 0) + 64;
  for (const [k, v] of e.headers) n += Buffer.byteLength(k) + (v?.length ?? 0);
  return n;
}

/** What a deleted offset holds: no record, so nothing of it is kept or handed over. */
const DELETED: Entry = { key: null, value: null, headers: [], timestamp: '0', txn: null, control: true };

/** What one fetch of a partition covered: the records to hand over and the last offset it passed. */
export interface Fetched {
  readonly records: IncomingRecord[];
  readonly lastOffset: number;
}

/**
 * One partition's log. Offsets are array indexes (nothing is compacted: readers that keep the
 * last value per key see the same as on a compacted topic; deleteBefore moves the log start, as
 * retention does). Transactional records are appended when sent, as the broker does, and only a
 * marker decides whether readers see them.
 */
export class PartitionLog {
  readonly #entries: Entry[] = [];
  #start = 0;
  /** First offset of each transaction still open here: the last stable offset is the smallest. */
  readonly #open = new Map<TxnState, number>();

  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  get high(): number {
    return this.#entries.length;
  }

  /** The log start: the first offset still held. */
  get start(): number {
    return this.#start;
  }

  /** Whether a fetch at `offset` is answered, as the broker judges it: from the log start to the end. */
  holds(offset: number): boolean {
    return offset >= this.#start && offset <= this.high;
  }

  /** Drops the entries below `offset`, which becomes the log start (never moved back). */
  deleteBefore(offset: number): void {
    for (let o = this.#start; o < Math.min(offset, this.high); o += 1) this.#entries[o] = DELETED;
    this.#start = Math.max(this.#start, Math.min(offset, this.high));
  }

  /** read_committed readers stop here: before the first record of a transaction still open. */
  get lastStable(): number {
    let stable = this.#entries.length;
    for (const first of this.#open.values()) stable = Math.min(stable, first);
    return stable;
  }

  append(records: readonly OutgoingRecord[], txn: TxnState | null, timestamp: string): number {
    const base = this.#entries.length;
    if (txn && !this.#open.has(txn)) this.#open.set(txn, base);
    for (const r of records) {
      const headers = [...writtenHeaders(r)];
      const key = r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key, 'utf8') : Buffer.from(r.key);
      this.#entries.push({ key, value: r.value, headers, timestamp, txn, control: false });
    }
    return base;
  }

  /** Writes the transaction's marker here, if it wrote anything here. */
  end(txn: TxnState, timestamp: string): void {
    if (!this.#open.delete(txn)) return;
    this.#entries.push({ key: null, value: null, headers: [], timestamp, txn, control: true });
  }

  /**
   * Committed data from `from` up to the last stable offset, as one fetch returns it: records of
   * at most `limits.bytes` together (the first one whatever its size), and at most
   * `limits.entries` entries scanned. Markers and aborted records are skipped but counted in
   * lastOffset, so a reader moves past them; null when there is nothing stable at or after `from`.
   */
  fetch(from: number, limits: { readonly entries: number; readonly bytes: number }): Fetched | null {
    if (from < this.#start) return null;
    let to = Math.min(this.lastStable, from + limits.entries);
    if (from >= to) return null;
    const records: IncomingRecord[] = [];
    let bytes = 0;
    for (let offset = from; offset < to; offset += 1) {
      const e = this.#entries[offset];
      if (!e || e.control || e.txn?.state === 'aborted') continue;
      bytes += entryBytes(e);
      if (records.length > 0 && bytes > limits.bytes) {
        to = offset;
        break;
      }
      records.push({
        topic: this.topic,
        partition: this.partition,
        offset: String(offset),
        timestamp: e.timestamp,
        key: e.key,
        value: e.value,
        ...readHeaders(e.headers),
      });
    }
    return { records, lastOffset: to - 1 };
  }
}
