import type { SourceWarning } from '../../src/sdk/index.ts';

/**
 * How long the source keeps warning of a loss that happened once (an expected date it could not
 * read, holes passed early). A poll's warnings last only until the next poll says them again, and
 * such a cause is one poll's: said once, it would be gone from readiness and the gauge within a
 * second. An hour is long enough for an operator or an alert to see it, and it ends by itself, as
 * there is nothing to undo.
 */
export const WARN_FOR_MS = 3_600_000;

/** The longest expected date quoted in a warning: enough to see its form, not a whole blob. */
const QUOTED = 60;

/** The change whose expected date could not be read, as the warning names it: no contact data. */
export interface UnreadDate {
  readonly seq: number;
  readonly jobId: string;
  readonly externalRef: string;
  /** The value as POSSE wrote it, as JSON. */
  readonly value: string;
}

/**
 * The expected dates the feed could not read lately. The change is published without its date
 * (its outcome is what the ticket needs); this keeps the loss from being silent. In memory, and
 * bounded: the last such change and a count since the warning began.
 */
export class UnreadDates {
  #last: (UnreadDate & { readonly at: number }) | null = null;
  #count = 0;

  note(change: UnreadDate, now: number): void {
    if (this.#last === null || now - this.#last.at >= WARN_FOR_MS) this.#count = 0;
    this.#last = { ...change, at: now };
    this.#count += 1;
  }

  warnings(now: number): SourceWarning[] {
    const last = this.#last;
    if (last === null || now - last.at >= WARN_FOR_MS) return [];
    const value = last.value.length > QUOTED ? `${last.value.slice(0, QUOTED)}...` : last.value;
    const others = this.#count > 1 ? `; ${this.#count} such changes while this warning lasts` : '';
    return [
      {
        code: 'CL_SOURCE_DATE_UNREAD',
        detail:
          `POSSE change seq ${last.seq} (job ${last.jobId}, work order ${last.externalRef}) has an expected date ` +
          `that names no instant, ${value}; its event was published without one${others}. POSSE should write ` +
          `ISO 8601 (2024-11-05, 2024-11-05T09:00:00-07:00) or epoch milliseconds`,
      },
    ];
  }
}
