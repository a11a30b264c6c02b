import pLimit, { type LimitFunction } from 'p-limit';

export interface ByKeyOutcome {
  /** How many records from the start all completed: what an offset commit may cover. */
  readonly donePrefix: number;
  /** The first failure, after every record in hand has settled; null when all completed. */
  readonly error: unknown;
}

/**
 * Where the batches of one partition that are in hand at once meet: how many keys may be
 * handled at once across all of them, and where each key's records in hand end, so that a
 * later batch's records of a key start only after the earlier batch's have settled. Once any
 * of them failed (`halted`), none starts another record: the partition will be read again from
 * before the failure, and records delivered past it would only be delivered twice.
 */
export interface KeyLane {
  readonly limit: LimitFunction;
  readonly tails: Map<string, Promise<void>>;
  halted: { readonly error: unknown } | null;
}

export const keyLane = (limit: number): KeyLane => ({
  limit: pLimit(Math.max(1, limit)),
  tails: new Map(),
  halted: null,
});

export interface ByKeyOptions {
  /**
   * A key's records waited `ms` for one of the lane's slots, every one taken by other keys
   * (their first record waits so; the others follow it): what a higher limit would have saved.
   */
  readonly onSlotWait?: (ms: number) => void;
}

/**
 * Handles records grouped by key: one key's records strictly one after another, in their order
 * (after those of earlier batches on the same lane), and up to the lane's limit of keys at once.
 * After a failure, of this batch or of another on the lane, no new record is started, so nothing
 * runs past the point the caller will resume from; the failure fails this batch too.
 * The key tails are set before this returns its promise, so a batch started next chains after.
 */
export async function runByKey<R>(
  records: readonly R[],
  keyOf: (r: R) => string,
  lane: KeyLane | number,
  handle: (r: R) => Promise<void>,
  options: ByKeyOptions = {},
): Promise<ByKeyOutcome> {
  const l = typeof lane === 'number' ? keyLane(lane) : lane;
  const { limit, tails } = l;
  const done = new Array<boolean>(records.length).fill(false);
  let error: unknown = null;
  let failed = false;
  const fail = (err: unknown) => {
    if (!failed) error = err;
    failed = true;
    l.halted ??= { error: err };
  };
  const runs = [...groupByKey(records, keyOf)].map(([key, indexes]) => {
    const before = tails.get(key);
    const mine = (async () => {
      try {
        await before;
        // Queued behind others (every slot taken, or keys already waiting for one): timed.
        const asked = limit.activeCount >= limit.concurrency || limit.pendingCount > 0 ? performance.now() : null;
        await limit(async () => {
          if (asked !== null) options.onSlotWait?.(performance.now() - asked);
          for (const i of indexes) {
            if (!failed && l.halted) fail(l.halted.error);
            if (failed) throw error;
            try {
              await handle(records[i] as R);
            } catch (err) {
              // Here, before the limit starts the next key's records.
              fail(err);
              throw err;
            }
            done[i] = true;
          }
        });
      } catch (err) {
        fail(err);
        throw err;
      }
    })();
    tails.set(key, mine);
    const forget = () => {
      if (tails.get(key) === mine) tails.delete(key);
    };
    mine.then(forget, forget);
    return mine.catch(() => undefined);
  });
  await Promise.all(runs);
  const firstUndone = done.indexOf(false);
  return { donePrefix: firstUndone === -1 ? records.length : firstUndone, error: failed ? error : null };
}

function groupByKey<R>(records: readonly R[], keyOf: (r: R) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const key = keyOf(r);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}
