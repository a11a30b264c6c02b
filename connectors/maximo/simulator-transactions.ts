import { HttpError, type SimRequest, type SimResponse } from '../../src/sdk/index.ts';
import type { WorkOrder } from './simulator-model.ts';

/** How long Maximo keeps a committed write's transaction id: the OSLCTXN escalation's default. */
const KEPT_MS = 5 * 60_000;

interface Kept {
  /** When it committed, by the simulator's clock, for how long it is kept. */
  readonly at: number;
  /** How many requests had reached the server when it committed (see SimRequest.arrival). */
  readonly arrivals: number;
}

/** A refusal in the shape Maximo's REST API gives one. */
function refusal(status: number, message: string, reasonCode?: string): SimResponse {
  return { status, body: { Error: { ...(reasonCode ? { reasonCode } : {}), message, statusCode: String(status) } } };
}

/**
 * What happens to a write before it is saved. The transactionid header of Maximo's REST API: the
 * id of every write that committed is kept KEPT_MS, and a write carrying a kept id is refused
 * with 409 Conflict, so a client that lost an answer can send its write again without making it
 * twice. The id is kept in the write's own commit: a write processed while the first was still
 * saving (a slow write) finds no id and is made twice, as on Maximo. A write that failed keeps
 * no id. And an update can meet another user's save of the same record (Maximo's optimistic
 * lock): refused with 409 too, nothing saved, its reason BMXAA8229W. Its own module beside
 * simulator.ts, which is kept under 400 lines.
 */
/** How Maximo answers a save that met another user's: IBM documents 412; 409 and 400 are seen too. */
export type ConflictStatus = 400 | 409 | 412;

export class Transactions {
  readonly #kept = new Map<string, Kept>();
  readonly #clock: () => number;
  readonly #arrivals: () => number;
  #conflicts = 0;
  #conflictStatus: ConflictStatus = 409;

  constructor(clock: () => number, arrivals: () => number) {
    this.#clock = clock;
    this.#arrivals = arrivals;
  }

  /** The next `count` updates meet another user's save of their work order, answered `status`. */
  conflictNext(count: number, status: ConflictStatus = 409): void {
    this.#conflicts += count;
    this.#conflictStatus = status;
  }

  /** `write` run as Maximo runs a create or an update (`update`) under its request's transactionid. */
  run(r: SimRequest, write: () => SimResponse, update = false): SimResponse {
    if (update && this.#conflicts > 0) {
      this.#conflicts -= 1;
      const message =
        'BMXAA8229W - Record WORKORDER has been updated by another user. Your changes have not been saved.';
      return refusal(this.#conflictStatus, message, 'BMXAA8229W');
    }
    const id = r.headers['transactionid'];
    if (typeof id !== 'string' || id === '') return write();
    const now = this.#clock();
    // Kept in the order they committed: the expired ones are first.
    for (const [kept, { at }] of this.#kept) {
      if (now - at < KEPT_MS) break;
      this.#kept.delete(kept);
    }
    const kept = this.#kept.get(id);
    // Committed before this request was taken up: its transaction can see it.
    if (kept !== undefined && kept.arrivals < r.arrival)
      return refusal(409, `The transaction ${id} has been processed already.`);
    const answer = write();
    this.#kept.delete(id);
    this.#kept.set(id, { at: now, arrivals: this.#arrivals() });
    return answer;
  }
}

/**
 * Work orders changed in a transaction not yet committed (MaximoSimulator.holdNextChanges), with
 * the version every reader sees meanwhile (the one committed before): its changedate was stamped
 * at the save, not the commit.
 */
export class LateCommits {
  #holdNext = 0;
  readonly #uncommitted = new Map<string, WorkOrder>();

  /** The next `count` work orders whose status changes commit late; how many are still to be held. */
  hold(count: number): number {
    if (!Number.isInteger(count) || count < 0) throw new HttpError(400, 'count must be a whole number');
    this.#holdNext += count;
    return this.#holdNext;
  }

  /** Before a status change of `wo`: its transaction is held if one is to be, and joins a held one. */
  saving(wo: WorkOrder): void {
    if (this.#holdNext <= 0 || this.#uncommitted.has(wo.wonum)) return;
    this.#holdNext -= 1;
    this.#uncommitted.set(wo.wonum, structuredClone(wo));
  }

  /** Commits every held transaction; how many. */
  commit(): number {
    const n = this.#uncommitted.size;
    this.#uncommitted.clear();
    return n;
  }

  /** A work order as other sessions see it: as last committed. */
  committed(wo: WorkOrder): WorkOrder {
    return this.#uncommitted.get(wo.wonum) ?? wo;
  }
}
