export interface ByKeyOutcome {
  /** How many records from the start all completed: what an offset commit may cover. */
  readonly donePrefix: number;
  /** The first failure, after every record in hand has settled; null when all completed. */
  readonly error: unknown;
}

/**
 * Handles records grouped by key: one key's records strictly one after another, in their order,
 * and up to `limit` keys at once. After a failure no new record is started, so nothing runs past
 * the point the caller will resume from.
 */
export async function runByKey<R>(
  records: readonly R[],
  keyOf: (r: R) => string,
  limit: number,
  handle: (r: R) => Promise<void>,
): Promise<ByKeyOutcome> {
  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const key = keyOf(r);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const queue = [...groups.values()];
  const done = new Array<boolean>(records.length).fill(false);
  let error: unknown = null;
  let failed = false;
  const worker = async () => {
    for (let group = queue.shift(); group && !failed; group = queue.shift()) {
      for (const i of group) {
        if (failed) return;
        try {
          await handle(records[i] as R);
          done[i] = true;
        } catch (err) {
          if (!failed) error = err;
          failed = true;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, worker));
  const firstUndone = done.indexOf(false);
  return { donePrefix: firstUndone === -1 ? records.length : firstUndone, error: failed ? error : null };
}
