import { scrubPii } from '../domain/pii.ts';
import type { ErrorCode } from '../errors/index.ts';
import type { SourceWarning } from './connector.ts';

/**
 * How long a source keeps warning of a loss that happened once (a date it could not read, holes
 * passed early). A poll's warnings last only until the next poll says them again, and such a
 * cause is one poll's: said once, it would be gone from readiness and the gauge within a second.
 * An hour is long enough for an operator or an alert to see it, and it ends by itself, as there
 * is nothing to undo.
 */
export const WARN_FOR_MS = 3_600_000;

/** The longest value a warning quotes: enough to see its form, not a whole blob. */
const QUOTED = 60;
/** What of a text is scrubbed before the cut: bounded, and long enough that no cut splits a phone or an address. */
const SCRUBBED = 4 * QUOTED;

/**
 * A text as a warning (or a log line) quotes it: contact data scrubbed (scrubPii), cut after 60
 * characters. A value a system could not read is free text someone typed (`after the owner calls
 * back 410-555-0199`), and a warning reaches readiness, the gauge's labels and the logs.
 */
export function cutForWarning(text: string): string {
  const scrubbed = scrubPii(text.slice(0, SCRUBBED));
  return scrubbed.length > QUOTED || text.length > SCRUBBED ? `${scrubbed.slice(0, QUOTED)}...` : scrubbed;
}

/** A value as a warning quotes it: as JSON, contact data scrubbed, cut after 60 characters. */
export function quotedValue(value: unknown): string {
  return cutForWarning(JSON.stringify(value) ?? String(value));
}

/**
 * One source warning of a loss that happened once, kept for WARN_FOR_MS after the last time it
 * happened: it names the last such loss (`detail`, given how many there were while it lasted)
 * and ends by itself. In memory and bounded: the last loss and a count.
 */
export class LastingWarning {
  readonly #code: ErrorCode;
  #last: { readonly detail: (count: number) => string; readonly at: number } | null = null;
  #count = 0;

  constructor(code: ErrorCode) {
    this.#code = code;
  }

  /** Another loss, described by `detail` given the count of losses while the warning lasts. */
  note(detail: (count: number) => string, now: number): void {
    if (this.#last === null || now - this.#last.at >= WARN_FOR_MS) this.#count = 0;
    this.#last = { detail, at: now };
    this.#count += 1;
  }

  warnings(now: number): SourceWarning[] {
    const last = this.#last;
    if (last === null || now - last.at >= WARN_FOR_MS) return [];
    return [{ code: this.#code, detail: last.detail(this.#count) }];
  }
}
