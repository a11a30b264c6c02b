import { rawField } from '../changes.ts';

/**
 * A change's seq as the feed sent it, when it is one (a positive whole number, or its digits as
 * text); null otherwise. Digits only: Number() also reads "0x29" and "1e3", which the
 * connectors' change schemas refuse, and a change dead-lettered for its seq must not place the
 * page's end by one.
 */
export function seqOf(raw: unknown): number | null {
  const text = rawField(raw, 'seq');
  const seq = text !== null && /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/**
 * Where a page of the feed ends: its changes up to `end` are read (see FeedPosition), `placed` of
 * the seqs before it taken by changes whose seq cannot be read (see unreadTail); `guessed` when
 * those are a full page of such changes alone, placed at the lowest seqs they can take (below).
 *
 * A page that holds changes ends at its watermark (the CRM's nextCursor), but never past the
 * highest seq among them. Some systems answer the feed's head as the watermark rather than the
 * page's last seq, and after a full page that would skip every change between the two. After a
 * page that is not full the seqs between are not in the feed now: a hole the sequence left, or a
 * change saved but not yet committed, which the next poll reads after the page's end. A watermark
 * below the page's changes is taken as it is: one not past the seq asked after is a feed the
 * runner refuses (CL_SOURCE_CURSOR_STUCK) rather than one to guess about.
 *
 * A change whose seq cannot be read (dead-lettered) leaves a hole where it was, which FeedPosition
 * waits at and then passes. One last on a full page is read, and dead-lettered, again by the next
 * poll rather than passed unseen, with the changes after it. One last on a page that is not full,
 * or a page of such changes alone, ends the page at its watermark, the only place the feed gives
 * it, which the feed counts as read, when the watermark can be its seq (see unreadTail). A full
 * page of such changes alone would be asked for again for good. Its changes are the feed's lowest
 * from `head` on (a system that reads `after` inclusively answers the change at `head` again), so
 * they take the seqs from `head` to `head` plus their count less one at the least, and no change
 * the feed shows lies at or below that seq without being on the page: the page ends there
 * (`guessed`: only a change still to commit at a seq among them, were their seqs not one after
 * the other, is not read). One such change alone moves nothing, and the runner refuses the page
 * (CL_SOURCE_CURSOR_STUCK) as before.
 *
 * An empty page ends at its watermark: the feed's end as the system sees it. Below the stored
 * cursor, the feed went back (a restored backup), which the runner reports as
 * CL_SOURCE_CURSOR_BEHIND.
 */
export function pageEnd(
  changes: readonly unknown[],
  watermark: number,
  full: boolean,
  head: number,
): { readonly end: number; readonly placed: number; readonly guessed: boolean } {
  if (changes.length === 0) return { end: watermark, placed: 0, guessed: false };
  let highest: number | null = null;
  for (const raw of changes) {
    const seq = seqOf(raw);
    if (seq !== null && (highest === null || seq > highest)) highest = seq;
  }
  const placed = unreadTail(changes, watermark, full, head, highest);
  if (placed > 0) return { end: watermark, placed, guessed: false };
  // head + n - 1, not head + n: on an inclusive feed the change at `head` is one of the n.
  const least = head + changes.length - 1;
  if (full && highest === null && watermark > least && least > head)
    return { end: least, placed: changes.length - 1, guessed: true };
  return { end: highest === null ? head : Math.min(watermark, highest), placed: 0, guessed: false };
}

/**
 * How many seqs the changes ending the page whose seq cannot be read take, when the watermark
 * places them: on a page that is not full (or of such changes alone) they are the feed's last,
 * and only the watermark gives their seqs. It does so only when the seqs between the last one
 * read and the watermark are no more than those changes: a watermark further on (a feed that
 * answers its head, counting a seq not committed yet) would pass a change still to come, so the
 * page then ends at the last seq read, its tail read again (and dead-lettered again) until the
 * feed shows what follows. 0 when no such tail is placed.
 */
function unreadTail(
  changes: readonly unknown[],
  watermark: number,
  full: boolean,
  head: number,
  highest: number | null,
): number {
  let tail = 0;
  while (tail < changes.length && seqOf(changes[changes.length - 1 - tail]) === null) tail += 1;
  if (tail === 0 || (full && highest !== null)) return 0;
  const from = Math.max(head, highest ?? head);
  return watermark > from && watermark - from <= tail ? watermark - from : 0;
}
