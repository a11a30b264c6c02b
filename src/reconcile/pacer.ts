import { isCloseloopError, messageOf, retryAfterOf, sleep } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Health, Lookup } from '../sdk/index.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * The longest Retry-After a run waits out before asking the same system again. Longer, and that
 * system is not asked again in the run (its items unanswered), as one that keeps failing: a
 * worker holding a run for an hour would hold its stop and every other system's checks with it,
 * and a run ended there would end there again at every run while the system asks to wait (a
 * maintenance window of a day), checking no ticket after it.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Failures in a row after which a system is not asked again in the run: its items are unanswered. */
export const MAX_FAILURES_IN_ROW = 3;

/** Unanswered, and why, when no lookup error says: a miss not believed, or nobody to ask. */
export type UnansweredCode = 'HEALTH_NOT_UP' | 'NO_LOOKUP';

/** Thrown by ask() to end the run (stopped) before the ticket being checked; the engine stores the cursor. */
export class RunEnded extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

interface SystemPace {
  failuresInRow: number;
  lastCode: string;
  health: Promise<Health> | null;
}

/**
 * Every lookup call of a run goes through here: one token of the run's bucket per call (not per
 * ticket: a ticket with three open work orders costs four calls), a system's Retry-After waited
 * out before it is asked again, and a system that failed MAX_FAILURES_IN_ROW times in a row not
 * asked again this run. What is not answered is counted per system and code, in the report and in
 * closeloop_reconcile_unanswered_total.
 */
export class LookupPacer {
  readonly #bucket: TokenBucket;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #systems = new Map<Lookup, SystemPace>();
  #unanswered = 0;

  constructor(o: {
    bucket: TokenBucket;
    log: Logger;
    metrics?: Metrics | undefined;
    signal?: AbortSignal | undefined;
  }) {
    this.#bucket = o.bucket;
    this.#log = o.log;
    this.#metrics = o.metrics;
    this.#signal = o.signal;
  }

  get unanswered(): number {
    return this.#unanswered;
  }

  /** An item left unjudged without a call (nobody serves it). */
  skip(system: string, code: UnansweredCode, what: Record<string, unknown>): void {
    this.#log.warn({ ...what, system, code }, 'no lookup serves the item; it is not judged');
    this.#count(system, code);
  }

  /**
   * The system's answer: the item, null when the system (up) does not know it, or undefined when
   * unanswered. Throws RunEnded when the run must end first (stopped).
   */
  async ask<T>(
    system: string,
    lookup: Lookup,
    read: () => Promise<T | null>,
    what: Record<string, unknown>,
  ): Promise<T | null | undefined> {
    const pace = this.#pace(lookup);
    if (pace.failuresInRow >= MAX_FAILURES_IN_ROW) {
      this.#count(system, pace.lastCode);
      return undefined;
    }
    for (;;) {
      if (!(await this.#bucket.take(this.#signal))) throw new RunEnded('stopped');
      try {
        const answer = await read();
        pace.failuresInRow = 0;
        // A miss is believed only from a system that is up: a wrong URL would make everything missing.
        if (answer !== null || (await this.#trusted(pace, lookup))) return answer;
        this.#count(system, 'HEALTH_NOT_UP');
        return undefined;
      } catch (err) {
        // An error of no catalogue code is the connector's own fault (a body its code did not
        // foresee): thrown on, it failed the run at this ticket, and every run after it, from
        // the same cursor, so no ticket after it was ever checked again. It is this item's
        // failure, as the sink runner takes it.
        const code = isCloseloopError(err) ? err.code : 'unknown';
        pace.failuresInRow += 1;
        pace.lastCode = code;
        const wait = isCloseloopError(err) ? retryAfterOf(err) : null;
        const again = pace.failuresInRow < MAX_FAILURES_IN_ROW;
        if (wait !== null && wait > MAX_RETRY_AFTER_MS) {
          pace.failuresInRow = MAX_FAILURES_IN_ROW;
          this.#log.error(
            { ...what, system, code, waitMs: wait },
            'system asked to wait longer than a run waits; it is not asked again this run',
          );
          this.#count(system, code);
          return undefined;
        }
        if (wait !== null && again) {
          this.#log.warn({ ...what, system, code, waitMs: wait }, 'lookup refused for now; waiting as told');
          await sleep(wait, this.#signal);
          continue;
        }
        // An uncatalogued error's message may quote what the system sent (a JSON.parse error
        // quotes the body): its kind only. A catalogued one's message is written not to.
        const said = isCloseloopError(err) ? err.message : err instanceof Error ? err.name : typeof err;
        this.#log[code === 'unknown' ? 'error' : 'warn'](
          { ...what, system, code, err: said },
          'lookup failed; the item is not judged this run',
        );
        if (!again)
          this.#log.error(
            { system, code, failures: pace.failuresInRow },
            'lookups keep failing; the system is not asked again this run',
          );
        this.#count(system, code);
        return undefined;
      }
    }
  }

  #pace(lookup: Lookup): SystemPace {
    let pace = this.#systems.get(lookup);
    if (!pace) this.#systems.set(lookup, (pace = { failuresInRow: 0, lastCode: 'unknown', health: null }));
    return pace;
  }

  async #trusted(pace: SystemPace, lookup: Lookup): Promise<boolean> {
    pace.health ??= lookup.health().catch((err: unknown) => ({ status: 'down' as const, detail: messageOf(err) }));
    return (await pace.health).status === 'up';
  }

  #count(system: string, code: string): void {
    this.#unanswered += 1;
    this.#metrics?.reconcileUnanswered.inc({ system, code });
  }
}
