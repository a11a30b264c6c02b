import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SourceWarning } from '../sdk/connector.ts';

/**
 * The warnings a source runner's last poll carried (a feed's own, and its cursor's behind). Loud
 * when a kind of warning starts and when it ends; the status and the closeloop_source_warning
 * gauge carry it between, so a warning that lasts a week is one log line, not one per poll.
 */
export class SourceWarnings {
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #connector: string;
  #current: readonly SourceWarning[] = [];

  constructor(log: Logger, connector: string, metrics: Metrics | undefined) {
    this.#log = log;
    this.#connector = connector;
    this.#metrics = metrics;
  }

  get current(): readonly SourceWarning[] {
    return this.#current;
  }

  /** The warnings of the poll just answered, in place of the last one's. */
  update(now: readonly SourceWarning[]): void {
    const was = new Set(this.#current.map((w) => w.code));
    const is = new Set(now.map((w) => w.code));
    for (const w of now) if (!was.has(w.code)) this.#log.error({ code: w.code, detail: w.detail }, 'source warning');
    for (const code of was) if (!is.has(code)) this.#log.info({ code }, 'source warning cleared');
    for (const code of new Set([...was, ...is]))
      this.#metrics?.sourceWarning.set({ connector: this.#connector, code }, is.has(code) ? 1 : 0);
    this.#current = now;
  }
}
