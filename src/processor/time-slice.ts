import { setImmediate as loopTurn } from 'node:timers/promises';

/**
 * How long a processor decides records without letting its event loop run, ms. A task's turn
 * holds every batch that waited for it (group commit, see Task.enqueue), several fetches' worth
 * of records under load. Measured on the bench's processor threads before there were slices,
 * the loop went up to 577 ms without running a timer (`monitorEventLoopDelay`, department
 * phase): the group's heartbeats waited that long, so a member learnt late of a rebalance, and
 * so did the sweeps and the other tasks' commit answers.
 */
export const SLICE_MS = 10;

/** Records decided between two looks at the clock (a power of two). */
const CHECK_EVERY = 32;

/**
 * One per processor (a thread's event loop): `due()` after each record, and `yield()` when it
 * says so, to let timers and I/O run before deciding on.
 */
export class TimeSlice {
  readonly #now: () => number;
  #from: number;
  #count = 0;

  /** `now` reads a clock in ms (tests give their own). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#from = now();
  }

  /** Whether the slice is spent; looks at the clock once every CHECK_EVERY calls. */
  due(): boolean {
    this.#count += 1;
    if ((this.#count & (CHECK_EVERY - 1)) !== 0) return false;
    return this.#now() - this.#from >= SLICE_MS;
  }

  /** Gives the event loop a turn (timers and I/O run first) and starts a new slice. */
  async yield(): Promise<void> {
    await loopTurn();
    this.restart();
  }

  /** A new slice from now: the loop has just had a turn. */
  restart(): void {
    this.#from = this.#now();
  }
}
