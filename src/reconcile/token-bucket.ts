import { setTimeout as wait } from 'node:timers/promises';

/**
 * Reads of the source systems are rationed: reconciliation runs beside the bridge's own traffic,
 * and the CRM and the departments count it against the integration's quota. Tokens refill at
 * `ratePerSecond`, up to a burst of one second's worth. Time is read from a monotonic clock
 * (performance.now): a wall clock stepped back (NTP, a VM resumed) would hold every token back
 * for as long as the step.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #tokens: number;
  #at: number;

  /** `clock`: milliseconds from a monotonic source; performance.now when absent. */
  constructor(
    ratePerSecond: number,
    options: { clock?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be above 0, got ${ratePerSecond}`);
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, ratePerSecond);
    this.#clock = options.clock ?? (() => performance.now());
    // An abort ends the wait at once (resolved, not thrown): take() then says no token was taken.
    this.#sleep = options.sleep ?? ((ms, signal) => wait(ms, undefined, { signal }).catch(() => undefined));
    this.#tokens = 1;
    this.#at = this.#clock();
  }

  /**
   * Resolves true once a token is taken, waiting for the refill when none is left; false, with
   * no token taken, as soon as `signal` aborts (a worker stopping need not wait out the refill).
   */
  async take(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.#clock();
      // Never below 0, should an injected clock go back: a refill is late at worst, never owed.
      const elapsed = Math.max(0, now - this.#at);
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate);
      this.#at = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return true;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000), signal);
    }
  }
}
