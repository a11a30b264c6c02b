import { readToEnd, type Messaging, type MessagingAdmin } from '../messaging/index.ts';

/**
 * Where a reconciliation run stands, kept on the connector cursors topic (compacted, one record
 * per key) under `reconcile:<jurisdiction>`: an interrupted run is continued after the last
 * ticket it finished rather than started over, which would read every system again.
 */
export interface ReconcileCursor {
  readonly runId: string;
  /** The last ticket id finished; tickets are checked in id order. */
  readonly after: string | null;
  readonly complete: boolean;
}

export const cursorKey = (jurisdiction: string): string => `reconcile:${jurisdiction}`;

export async function readCursor(
  messaging: Messaging,
  admin: MessagingAdmin,
  topic: string,
  jurisdiction: string,
): Promise<ReconcileCursor | null> {
  const key = cursorKey(jurisdiction);
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

export function cursorRecord(jurisdiction: string, cursor: ReconcileCursor): { key: string; value: Buffer } {
  return { key: cursorKey(jurisdiction), value: Buffer.from(JSON.stringify(cursor)) };
}
