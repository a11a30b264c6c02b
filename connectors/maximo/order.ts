import { changeKey } from './cursor-stored.ts';

/**
 * Why a work order's events are placed in the order of its row stamps, not of its dates alone.
 *
 * An event's position is its status date (Maximo has no change sequence), and the processor
 * ignores an event placed before the last one it applied for the work order (STALE_EVENT). But
 * each app server stamps its dates with its own clock: WSCH saved on a server at 10:00:30, then
 * COMP saved later on one whose clock is a minute behind, at 10:00:15, would leave the ticket
 * scheduled with the work done. `_rowstamp` rises with every update of any row in the database,
 * so a work order's row stamps are the true order of its changes. A change with a newer row stamp
 * but an older date than the work order's latest published change is therefore placed a
 * millisecond after it (and one with an older row stamp but a newer date a millisecond before,
 * which the processor then knows for older), and the source logs why.
 *
 * The row stamp's database counter makes a poor sequence: a work order untouched for a week
 * jumps by millions, past any bound on a sequence's jumps. So the date stays the position, moved
 * only where the row stamps say it must.
 *
 * The cursor remembers the latest change of each work order for as long as it remembers the
 * change itself (the look-back: a change with an earlier date than one it follows comes from a
 * clock behind, which the look-back is set to cover), and where its event was placed other than
 * at its changedate (Stored.occurred), so the order holds across restarts.
 */

/** A change's event placed out of its own date's order: why, for the log. */
export interface Moved {
  readonly statusdate: number;
  readonly occurredAt: number;
  /** The work order's latest change before this one: its row stamp and where it was placed. */
  readonly latest: { readonly rowstamp: string; readonly occurredAt: number };
}

interface Latest {
  readonly rowstamp: bigint;
  readonly occurredAt: number;
}

/** A row stamp as the number it is; null when it is not one (it then orders nothing). */
function stampOf(rowstamp: string): bigint | null {
  return /^\d{1,30}$/.test(rowstamp) ? BigInt(rowstamp) : null;
}

/** A published change's key (workorderid:_rowstamp) as the work order and row stamp it orders; null: it orders nothing. */
function orderOf(key: string): { id: number; rowstamp: bigint } | null {
  const [id = '', stamp = ''] = key.split(':');
  const rowstamp = stampOf(stamp);
  return rowstamp === null || !/^-?\d+$/.test(id) ? null : { id: Number(id), rowstamp };
}

export class ChangeOrder {
  /** Per workorderid, the latest change remembered: its row stamp and where its event stands. */
  readonly #latest = new Map<number, Latest>();
  /** Where published changes' events stand, by key, where that is not their changedate. */
  readonly #occurred = new Map<string, number>();

  /** From the cursor's published changes (key to changedate) and their stored `occurred`. */
  constructor(published: ReadonlyMap<string, number>, occurred: Readonly<Record<string, number>> = {}) {
    for (const [key, date] of published) {
      const at = occurred[key];
      if (at !== undefined) this.#occurred.set(key, at);
      const order = orderOf(key);
      if (order === null) continue;
      const last = this.#latest.get(order.id);
      if (last === undefined || order.rowstamp > last.rowstamp)
        this.#latest.set(order.id, { rowstamp: order.rowstamp, occurredAt: at ?? date });
    }
  }

  /**
   * Where the event of a change taken by the cursor (with its changedate as the cursor placed
   * it) stands: its status date, unless the work order's row stamps say otherwise.
   */
  place(
    change: { readonly workorderid: number; readonly _rowstamp: string },
    statusdate: number,
    changedate: number | undefined,
  ): { occurredAt: number; moved: Moved | null } {
    const rowstamp = stampOf(change._rowstamp);
    const last = this.#latest.get(change.workorderid);
    let occurredAt = statusdate;
    if (rowstamp !== null && last !== undefined) {
      if (rowstamp > last.rowstamp && statusdate < last.occurredAt) occurredAt = last.occurredAt + 1;
      if (rowstamp < last.rowstamp && statusdate >= last.occurredAt) occurredAt = last.occurredAt - 1;
    }
    if (rowstamp !== null && (last === undefined || rowstamp > last.rowstamp))
      this.#latest.set(change.workorderid, { rowstamp, occurredAt });
    const key = changeKey(change);
    if (occurredAt !== changedate) this.#occurred.set(key, occurredAt);
    else this.#occurred.delete(key);
    const moved =
      occurredAt === statusdate || last === undefined
        ? null
        : { statusdate, occurredAt, latest: { rowstamp: String(last.rowstamp), occurredAt: last.occurredAt } };
    return { occurredAt, moved };
  }

  /**
   * What the cursor stores of where events stand: for each work order, of the changes it still
   * remembers, only the one with the highest row stamp, as that is all the constructor reads.
   * Most changes are placed off their changedate (a status date set before the save): an entry
   * for each would more than double the cursor, past the record limit maxRememberedChanges keeps.
   */
  stored(published: ReadonlyMap<string, number>): Record<string, number> | undefined {
    const highest = new Map<number, { key: string; rowstamp: bigint }>();
    for (const key of published.keys()) {
      const order = orderOf(key);
      if (order === null) continue;
      const last = highest.get(order.id);
      if (last === undefined || order.rowstamp > last.rowstamp)
        highest.set(order.id, { key, rowstamp: order.rowstamp });
    }
    const out: Record<string, number> = {};
    for (const { key } of highest.values()) {
      const at = this.#occurred.get(key);
      if (at !== undefined) out[key] = at;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
}
