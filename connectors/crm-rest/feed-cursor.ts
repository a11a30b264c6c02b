import { rawField } from '../../src/sdk/index.ts';

/**
 * Where a page of the CRM's change feed leaves the cursor. The page's own `nextCursor`, but never
 * past the highest seq among the changes it holds: a CRM that answers its latest seq (as its empty
 * pages do) with a page cut at `limit` would otherwise have the bridge skip every change between
 * the page's last and that seq, with nothing to show for it. Asking after the page's last change
 * again costs one poll. An empty page, or one whose last change has no readable seq (dead-lettered,
 * its place unknown), ends at `nextCursor` as before: reading after a lower seq would only meet
 * that change again.
 */
export function pageEnd(changes: readonly unknown[], nextCursor: number): number {
  const last = changes.at(-1);
  if (last === undefined || seqOf(last) === null) return nextCursor;
  let highest = 0;
  for (const c of changes) highest = Math.max(highest, seqOf(c) ?? 0);
  return Math.min(nextCursor, highest);
}

function seqOf(change: unknown): number | null {
  const seq = Number(rawField(change, 'seq'));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}
