/**
 * A ticket's recent event ids (for duplicate suppression), oldest first, held as one string in
 * which each id is written `<length>:<id>`. One string per ticket, instead of an array and one
 * string per id: a ticket keeps up to RECENT_EVENT_IDS of them, for as long as it is held. The
 * length prefix makes any id, whatever characters it holds, read back exactly.
 */
export type RecentEventIds = string;

export const NO_RECENT_EVENTS: RecentEventIds = '';

/** Whether `id` is among the recent ids; reads in place, allocates nothing. */
export function hasRecentEvent(ids: RecentEventIds, id: string): boolean {
  let at = 0;
  while (at < ids.length) {
    const colon = ids.indexOf(':', at);
    if (colon < 0) break;
    const length = Number(ids.slice(at, colon));
    const start = colon + 1;
    if (length === id.length && ids.startsWith(id, start)) return true;
    at = start + length;
  }
  return false;
}

export function recentEventList(ids: RecentEventIds): string[] {
  const list: string[] = [];
  let at = 0;
  while (at < ids.length) {
    const colon = ids.indexOf(':', at);
    if (colon < 0) break;
    const start = colon + 1;
    const end = start + Number(ids.slice(at, colon));
    list.push(ids.slice(start, end));
    at = end;
  }
  return list;
}

export function recentEventIdsOf(list: readonly string[]): RecentEventIds {
  return list.map((id) => `${id.length}:${id}`).join('');
}

/** The ids with `id` added last, keeping the newest `max`. */
export function withRecentEvent(ids: RecentEventIds, id: string, max: number): RecentEventIds {
  return recentEventIdsOf([...recentEventList(ids), id].slice(-max));
}
