import type { HeaderEntry, IncomingRecord, OutgoingRecord } from './types.ts';

type RawHeader = readonly [name: Buffer | string | null, value: Buffer | null | undefined];

const nameOf = (k: RawHeader[0]): string => (k === null ? '' : typeof k === 'string' ? k : k.toString('utf8'));

/** headers[name] = value, for every name: assigned, __proto__ would set the prototype instead. */
export function setHeader<V>(headers: Record<string, V>, name: string, value: V): void {
  if (name === '__proto__')
    Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  else headers[name] = value;
}

/**
 * A record's headers as read: by name (the last of a repeated name wins), and, only when that
 * loses something (a name repeated, a value null), the whole list as written. Kafka allows both,
 * and clients written by others use them; a dead letter must keep what the record carried.
 */
export function readHeaders(raw: readonly RawHeader[]): Pick<IncomingRecord, 'headers' | 'headerList'> {
  const headers: Record<string, Buffer | undefined> = {};
  let lossy = false;
  for (const [k, v] of raw) {
    const name = nameOf(k);
    if (v === null || v === undefined || Object.hasOwn(headers, name)) lossy = true;
    setHeader(headers, name, v ?? undefined);
  }
  if (!lossy) return { headers };
  return { headers, headerList: raw.map(([k, v]) => [nameOf(k), v ?? null] as const) };
}

/**
 * The headers a copy of `record` starts from (a dead letter, a forward): its own list when the
 * map could not say it all, otherwise the map's values. The caller adds its own after them.
 */
export function carriedHeaders(record: Pick<IncomingRecord, 'headers' | 'headerList'>): {
  headerList?: readonly HeaderEntry[];
  headers: Record<string, string | Buffer>;
} {
  if (record.headerList) return { headerList: record.headerList, headers: {} };
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(record.headers)) if (v !== undefined) setHeader(headers, k, v);
  return { headers };
}

/** Every header an outgoing record writes, in order: its list, then its map. */
export function* writtenHeaders(r: OutgoingRecord): Generator<readonly [string, Buffer | null]> {
  if (r.headerList) yield* r.headerList;
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) yield [k, Buffer.isBuffer(v) ? v : Buffer.from(v)];
}
