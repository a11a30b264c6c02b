/**
 * The Maximo feed's cursor as it is stored (see cursor.ts for what it does): its shape, and the
 * check of one an operator would store. Its own module beside cursor.ts, which is kept under 400
 * lines.
 */

/**
 * The stored form. `changedate` and `seen` (the changes of that very second) are the whole cursor
 * of the connector before the look-back, and an older bridge still reads this one the old way.
 * `window` holds the other changes still remembered, by changedate; `floor` is set while changes
 * before it are no longer remembered (a cursor from before the look-back, or the cap).
 */
export interface Stored {
  readonly changedate: string;
  readonly seen: readonly string[];
  readonly window?: Readonly<Record<string, readonly string[]>>;
  readonly floor?: string;
  /** How many changes the cap made the cursor forget while the floor stands. */
  readonly forgotten?: number;
  /** The offset from UTC, in minutes, of the latest changedate read (offsetAt). */
  readonly offset?: number;
  readonly offsetAt?: string;
  /** When the offset last fell (the clocks went back). */
  readonly fellAt?: string;
  /** Queries start no later than holdFrom while they would start before holdUntil (see #watchOffset). */
  readonly holdFrom?: string;
  readonly holdUntil?: string;
  /**
   * Where a published change's event was placed (its occurredAt, ms), by workorderid:_rowstamp,
   * where that is not its changedate: a status date before the save, or one placed after the
   * change before it by row stamp (see order.ts). Only for each work order's remembered change
   * with the highest row stamp, all that is read back; a cursor that kept one for every change
   * reads the same.
   */
  readonly occurred?: Readonly<Record<string, number>>;
}

const isDate = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isKeys = (v: unknown) => Array.isArray(v) && v.every((k) => typeof k === 'string');

/**
 * What is wrong with a cursor an operator would store (see FeedCursor.parse for its shape), or
 * null: the JSON this feed writes, `{"changedate": <date>, "seen": [<workorderid:_rowstamp>...]}`
 * with its optional look-back window, floor and count; an empty one reads the feed from the start.
 */
export function feedCursorProblem(raw: string): string | null {
  const wanted = 'the JSON cursor the feed stores, e.g. {"changedate":"2024-03-01T10:00:00Z","seen":[]}';
  let s: Partial<Record<keyof Stored, unknown>>;
  try {
    s = JSON.parse(raw) as Partial<Record<keyof Stored, unknown>>;
  } catch {
    return `${wanted} (this is not JSON)`;
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return wanted;
  if (!isDate(s.changedate)) return `${wanted} (changedate is not a date)`;
  if (!isKeys(s.seen)) return `${wanted} (seen is not a list of workorderid:_rowstamp)`;
  const window = s.window;
  if (window !== undefined) {
    if (window === null || typeof window !== 'object' || Array.isArray(window))
      return `${wanted} (window is not an object)`;
    for (const [date, keys] of Object.entries(window))
      if (!isDate(date) || !isKeys(keys)) return `${wanted} (window maps dates to lists of keys)`;
  }
  for (const field of ['floor', 'offsetAt', 'fellAt', 'holdFrom', 'holdUntil'] as const)
    if (s[field] !== undefined && !isDate(s[field])) return `${wanted} (${field} is not a date)`;
  if (s.offset !== undefined && (typeof s.offset !== 'number' || !Number.isInteger(s.offset)))
    return `${wanted} (offset is not a number of minutes)`;
  if ((s.offset === undefined) !== (s.offsetAt === undefined)) return `${wanted} (offset and offsetAt go together)`;
  if ((s.holdFrom === undefined) !== (s.holdUntil === undefined))
    return `${wanted} (holdFrom and holdUntil go together)`;
  const occurred = s.occurred;
  if (
    occurred !== undefined &&
    (occurred === null ||
      typeof occurred !== 'object' ||
      Array.isArray(occurred) ||
      !Object.values(occurred).every((v) => typeof v === 'number' && Number.isFinite(v)))
  )
    return `${wanted} (occurred maps workorderid:_rowstamp to times in milliseconds)`;
  if (
    s.forgotten !== undefined &&
    (typeof s.forgotten !== 'number' || !Number.isInteger(s.forgotten) || s.forgotten < 0)
  )
    return `${wanted} (forgotten is not a count)`;
  return null;
}

export const changeKey = (c: { readonly workorderid: number; readonly _rowstamp: string }) =>
  `${c.workorderid}:${c._rowstamp}`;

/** Maximo keeps dates to the second and reads ISO 8601 with an offset. */
export const maximoDate = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
