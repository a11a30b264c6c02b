/**
 * Reads of the source systems are rationed: reconciliation runs beside the bridge's own traffic,
 * and the CRM and the departments count it against the integration's quota. Tokens refill at
 * `ratePerSecond`, up to a burst of one second's worth.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #tokens: number;
  #at: number;

  constructor(ratePerSecond: number, options: { clock?: () => number; sleep?: (ms: number) => Promise<void> } = {}) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be above 0, got ${ratePerSecond}`);
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, ratePerSecond);
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#tokens = 1;
    this.#at = this.#clock();
  }

  /** Resolves once a token is taken, waiting for the refill when none is left. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.#clock();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
      this.#at = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000));
    }
  }
}
