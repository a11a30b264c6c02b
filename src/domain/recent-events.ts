import { DIGEST_LENGTH, UNKNOWN_DIGEST } from './event-digest.ts';

/**
 * A ticket's recent event ids (for duplicate suppression), oldest first, each with the digest of
 * its event's content (see event-digest.ts), held as one string in which each entry is written
 * `<length>:<id><digest>`. One string per ticket, instead of an array and one string per id: a
 * ticket keeps up to RECENT_EVENT_IDS of them, for as long as it is held. The length prefix
 * makes any id, whatever characters it holds, read back exactly; the digest has a fixed length.
 */
export type RecentEventIds = string;

export const NO_RECENT_EVENTS: RecentEventIds = '';

/** The shortest entry: an empty id, `0:` and its digest. */
const MIN_ENTRY_LENGTH = 2 + DIGEST_LENGTH;

/**
 * Where the id of the entry starting at `at` ends (its length prefix read digit by digit, no
 * string made), or -1 when what is there is not an entry. Its digest follows.
 */
function idEnd(ids: RecentEventIds, at: number): number {
  let length = 0;
  let i = at;
  for (let c = ids.charCodeAt(i); c >= 48 && c <= 57; c = ids.charCodeAt(++i)) length = length * 10 + (c - 48);
  if (i === at || ids.charCodeAt(i) !== 58 /* : */) return -1;
  const end = i + 1 + length;
  return end + DIGEST_LENGTH <= ids.length ? end : -1;
}

/** The digest remembered with `id`, or null when it is not among the recent ids; allocates only the answer. */
export function recentEventDigest(ids: RecentEventIds, id: string): string | null {
  // An id among the entries is a substring of the whole: most events are new, and one search of
  // the string tells so without reading the entries one by one.
  if (ids.indexOf(id) < 0) return null;
  // An entry's whole length grows with its id's, so equal whole lengths mean equal id lengths.
  let size = id.length + 2 + DIGEST_LENGTH;
  for (let n = id.length; n >= 10; n = Math.floor(n / 10)) size += 1;
  for (let at = 0; at < ids.length;) {
    const end = idEnd(ids, at);
    if (end < 0) break;
    const next = end + DIGEST_LENGTH;
    if (next - at === size && ids.startsWith(id, end - id.length)) return ids.slice(end, next);
    at = next;
  }
  return null;
}

/** Whether `id` is among the recent ids. */
export function hasRecentEvent(ids: RecentEventIds, id: string): boolean {
  return recentEventDigest(ids, id) !== null;
}

/** The recent ids, oldest first, and the digest of each. */
export function recentEventList(ids: RecentEventIds): { ids: string[]; digests: string[] } {
  const list: string[] = [];
  const digests: string[] = [];
  for (let at = 0; at < ids.length;) {
    const end = idEnd(ids, at);
    if (end < 0) break;
    list.push(ids.slice(ids.indexOf(':', at) + 1, end));
    digests.push(ids.slice(end, end + DIGEST_LENGTH));
    at = end + DIGEST_LENGTH;
  }
  return { ids: list, digests };
}

/**
 * Recent ids from a list, with their digests where known: ids remembered before digests were
 * kept (a changelog record written by an older closeloop) get UNKNOWN_DIGEST, which matches any
 * content, so they are still passed over as repeats and never taken for a reuse.
 */
export function recentEventIdsOf(list: readonly string[], digests: readonly string[] = []): RecentEventIds {
  return list.map((id, i) => `${id.length}:${id}${known(digests[i])}`).join('');
}

function known(digest: string | undefined): string {
  return digest !== undefined && digest.length === DIGEST_LENGTH ? digest : UNKNOWN_DIGEST;
}

/**
 * The ids with `id` (and its event's digest) added last, keeping the newest `max`. Runs for
 * every event a ticket takes: the oldest entries are cut off with one slice, instead of the whole
 * list being parsed and written again (a ticket may hold hundreds).
 */
export function withRecentEvent(ids: RecentEventIds, id: string, digest: string, max: number): RecentEventIds {
  if (max < 1) return NO_RECENT_EVENTS;
  const entry = `${id.length}:${id}${known(digest)}`;
  // Too short to hold max - 1 entries, so none is cut: no need to find where they end. The ids
  // are only ever made here and by recentEventIdsOf, whole entries each, so nothing needs
  // trimming either.
  if (ids.length < (max - 1) * MIN_ENTRY_LENGTH) return ids + entry;
  const ends: number[] = [];
  for (let at = 0; at < ids.length;) {
    const end = idEnd(ids, at);
    if (end < 0) break;
    ends.push(end + DIGEST_LENGTH);
    at = end + DIGEST_LENGTH;
  }
  const kept = ends.at(-1) ?? 0;
  const drop = ends.length + 1 - max;
  const from = drop > 0 ? (ends[drop - 1] ?? 0) : 0;
  return from === 0 && kept === ids.length ? ids + entry : ids.slice(from, kept) + entry;
}
