import { rawField } from '../../src/sdk/index.ts';

/** A change's seq as the CRM sent it, when it is one (a positive whole number); null otherwise. */
export function seqOf(raw: unknown): number | null {
  const text = rawField(raw, 'seq');
  const seq = text === null ? Number.NaN : Number(text);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/**
 * Where a page of the CRM's change feed leaves the cursor, asked `after` a seq; `full` when it
 * held as many changes as asked for. `guessed` when the page held only changes whose seq cannot
 * be read and ends at the lowest seqs they can take (below), for the feed to warn of.
 *
 * The page's own `nextCursor`, but never past the highest seq among the changes it holds: a CRM
 * that answers its latest seq (as its empty pages do) with a page cut at `limit` would otherwise
 * have the bridge skip every change between the page's last and that seq. Asking after the page's
 * last change again costs one poll. An empty page ends at `nextCursor`.
 *
 * A change whose seq cannot be read (dead-lettered) has no place of its own, so the same rule
 * holds as in the POSSE feed (connectors/posse/feed-cursor.ts): last on a full page with seqs read
 * before it, the page ends at the highest seq read and the change is read, and dead-lettered,
 * again by the next poll with what follows it, rather than the page ending at a `nextCursor` that
 * may be the CRM's head. Last on a page that is not full (or a page of such changes alone), the
 * page ends at `nextCursor` when that can be their seqs: it lies no further past the last seq read
 * than such changes take. A `nextCursor` further on (a head counting a seq not committed yet)
 * holds the page at the last seq read until the feed shows what follows, the runner refusing the
 * cursor meanwhile (CL_SOURCE_CURSOR_STUCK). A full page of such changes alone would hold there
 * for good, as the next poll asks the same: it ends at `after` plus their count, the lowest seqs
 * they can take, so no change the CRM shows is passed (a change after `after` and below that seq
 * would be on the page), only one still to commit at a seq among them.
 */
export function pageEnd(
  changes: readonly unknown[],
  nextCursor: number,
  full: boolean,
  after: number,
): { readonly end: number; readonly guessed: boolean } {
  if (changes.length === 0) return { end: nextCursor, guessed: false };
  let highest: number | null = null;
  for (const raw of changes) {
    const seq = seqOf(raw);
    if (seq !== null && (highest === null || seq > highest)) highest = seq;
  }
  let tail = 0;
  while (tail < changes.length && seqOf(changes[changes.length - 1 - tail]) === null) tail += 1;
  if (tail > 0 && !(full && highest !== null)) {
    const from = Math.max(after, highest ?? after);
    if (nextCursor > from && nextCursor - from <= tail) return { end: nextCursor, guessed: false };
    if (full && highest === null && nextCursor > after + tail) return { end: after + tail, guessed: true };
  }
  return { end: highest === null ? after : Math.min(nextCursor, highest), guessed: false };
}
