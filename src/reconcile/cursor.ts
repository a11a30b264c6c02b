import { readToEnd, type Messaging, type MessagingAdmin } from '../messaging/index.ts';

/**
 * Where a reconciliation run stands, kept on the connector cursors topic (compacted, one record
 * per key) under `reconcile:<jurisdiction>`: an interrupted run is continued after the last
 * ticket it finished rather than started over, which would read every system again. A run of
 * the tickets changed since an instant (`--since`) checks another set of tickets, so it keeps
 * its own cursor (see cursorKey).
 */
export interface ReconcileCursor {
  readonly runId: string;
  /** The last ticket id finished; tickets are checked in id order. */
  readonly after: string | null;
  readonly complete: boolean;
}

/**
 * The key of a run's cursor: `reconcile:<jurisdiction>` for a run of every ticket,
 * `reconcile:<jurisdiction>:since:<instant>` for one of the tickets changed since `since`. Were
 * they one, a `--since` run after an interrupted full run would pass over the tickets the full
 * run had checked (before its cursor) though they changed since, and mark the full run complete,
 * so its tickets after the cursor went unchecked until the next full run.
 */
export const cursorKey = (jurisdiction: string, since?: number): string =>
  since === undefined
    ? `reconcile:${jurisdiction}`
    : `reconcile:${jurisdiction}:since:${new Date(since).toISOString()}`;

export async function readCursor(
  messaging: Messaging,
  admin: MessagingAdmin,
  topic: string,
  key: string,
): Promise<ReconcileCursor | null> {
  let found: ReconcileCursor | null = null;
  await readToEnd(messaging, admin, topic, 'all', (r) => {
    if (r.key?.toString('utf8') !== key) return;
    found = r.value === null ? null : parseCursor(r.value.toString('utf8'));
  });
  return found;
}

function parseCursor(text: string): ReconcileCursor | null {
  try {
    const v = JSON.parse(text) as Partial<ReconcileCursor>;
    if (typeof v.runId !== 'string' || typeof v.complete !== 'boolean') return null;
    return { runId: v.runId, after: typeof v.after === 'string' ? v.after : null, complete: v.complete };
  } catch {
    // A cursor that does not read is as good as none: the next run starts from the first ticket.
    return null;
  }
}

export function cursorRecord(key: string, cursor: ReconcileCursor): { key: string; value: Buffer } {
  return { key, value: Buffer.from(JSON.stringify(cursor)) };
}
