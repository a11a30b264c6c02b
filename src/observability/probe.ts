/**
 * A dependency check (broker, registry) that readiness and every scrape can ask for without
 * hammering the dependency: a result is reused for `ttlMs`, concurrent askers share one check,
 * and a check that does not answer within `timeoutMs` counts as down.
 */
export class CachedProbe {
  readonly #check: () => Promise<void>;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #onChange: (up: boolean, error: string | null) => void;
  readonly #clock: () => number;
  #up: boolean | null = null;
  #failure: unknown = null;
  #at = Number.NEGATIVE_INFINITY;
  #pending: Promise<boolean> | null = null;

  constructor(options: {
    check: () => Promise<void>;
    ttlMs?: number;
    timeoutMs?: number;
    /** Called on the first result and on every change only: one log line per transition. */
    onChange: (up: boolean, error: string | null) => void;
    clock?: () => number;
  }) {
    this.#check = options.check;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#onChange = options.onChange;
    this.#clock = options.clock ?? Date.now;
  }

  /** The last result, or null before the first check. */
  get last(): boolean | null {
    return this.#up;
  }

  async up(): Promise<boolean> {
    if (this.#up !== null && this.#clock() - this.#at < this.#ttlMs) return this.#up;
    this.#pending ??= this.#run().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /**
   * What the last check failed with (null while up, or when another call reported it down), for
   * a caller that tells one kind of failure from another (a registry refusing our credentials).
   */
  get failure(): unknown {
    return this.#failure;
  }

  /** What another call just learnt (a scrape's lag query failing), without waiting for the TTL. */
  report(up: boolean, error: string | null = null): void {
    this.#settle(up, error);
  }

  async #run(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    const check = this.#check();
    try {
      await Promise.race([check, timeout]);
      this.#settle(true, null);
    } catch (err) {
      check.catch(() => undefined);
      this.#settle(false, err instanceof Error ? err.message : String(err), err);
    } finally {
      clearTimeout(timer);
    }
    return this.#up ?? false;
  }

  #settle(up: boolean, error: string | null, failure: unknown = null): void {
    const changed = this.#up !== up;
    this.#up = up;
    this.#failure = failure;
    this.#at = this.#clock();
    if (changed) this.#onChange(up, error);
  }
}
