/**
 * A ticket's recent event ids (for duplicate suppression), oldest first, held as one string in
 * which each id is written `<length>:<id>`. One string per ticket, instead of an array and one
 * string per id: a ticket keeps up to RECENT_EVENT_IDS of them, for as long as it is held. The
 * length prefix makes any id, whatever characters it holds, read back exactly.
 */
export type RecentEventIds = string;

export const NO_RECENT_EVENTS: RecentEventIds = '';

/**
 * Where the entry starting at `at` ends (its length prefix read digit by digit, no string
 * made), or -1 when what is there is not an entry.
 */
function entryEnd(ids: RecentEventIds, at: number): number {
  let length = 0;
  let i = at;
  for (let c = ids.charCodeAt(i); c >= 48 && c <= 57; c = ids.charCodeAt(++i)) length = length * 10 + (c - 48);
  if (i === at || ids.charCodeAt(i) !== 58 /* : */) return -1;
  const end = i + 1 + length;
  return end <= ids.length ? end : -1;
}

/** Whether `id` is among the recent ids; reads in place, allocates nothing. */
export function hasRecentEvent(ids: RecentEventIds, id: string): boolean {
  // An entry's whole length grows with its id's, so equal whole lengths mean equal id lengths.
  let size = id.length + 2;
  for (let n = id.length; n >= 10; n = Math.floor(n / 10)) size += 1;
  for (let at = 0; at < ids.length;) {
    const end = entryEnd(ids, at);
    if (end < 0) break;
    if (end - at === size && ids.startsWith(id, end - id.length)) return true;
    at = end;
  }
  return false;
}

export function recentEventList(ids: RecentEventIds): string[] {
  const list: string[] = [];
  for (let at = 0; at < ids.length;) {
    const end = entryEnd(ids, at);
    if (end < 0) break;
    list.push(ids.slice(ids.indexOf(':', at) + 1, end));
    at = end;
  }
  return list;
}

export function recentEventIdsOf(list: readonly string[]): RecentEventIds {
  return list.map((id) => `${id.length}:${id}`).join('');
}

/**
 * The ids with `id` added last, keeping the newest `max`. Runs for every event a ticket takes:
 * the oldest entries are cut off with one slice, instead of the whole list being parsed and
 * written again (a ticket may hold hundreds).
 */
export function withRecentEvent(ids: RecentEventIds, id: string, max: number): RecentEventIds {
  if (max < 1) return NO_RECENT_EVENTS;
  const entry = `${id.length}:${id}`;
  const ends: number[] = [];
  for (let at = 0; at < ids.length;) {
    const end = entryEnd(ids, at);
    if (end < 0) break;
    ends.push(end);
    at = end;
  }
  const kept = ends.at(-1) ?? 0;
  const drop = ends.length + 1 - max;
  const from = drop > 0 ? (ends[drop - 1] ?? 0) : 0;
  return from === 0 && kept === ids.length ? ids + entry : ids.slice(from, kept) + entry;
}
