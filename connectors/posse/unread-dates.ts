import { LastingWarning, type SourceWarning } from '../../src/sdk/index.ts';

/** The change whose expected date could not be read, as the warning names it: no contact data. */
export interface UnreadDate {
  readonly seq: number;
  readonly jobId: string;
  readonly externalRef: string;
  /** The value as POSSE wrote it, as a warning quotes it (see unreadExpected). */
  readonly value: string;
}

/**
 * The expected dates the feed could not read lately. The change is published without its date
 * (its outcome is what the ticket needs); this keeps the loss from being silent for an hour (see
 * LastingWarning).
 */
export class UnreadDates {
  readonly #warning = new LastingWarning('CL_SOURCE_DATE_UNREAD');

  note(change: UnreadDate, now: number): void {
    const { seq, jobId, externalRef, value } = change;
    this.#warning.note((count) => {
      const others = count > 1 ? `; ${count} such changes while this warning lasts` : '';
      return (
        `POSSE change seq ${seq} (job ${jobId}, work order ${externalRef}) has an expected date ` +
        `that names no instant, ${value}; its event was published without one${others}. POSSE should write ` +
        `ISO 8601 (2024-11-05, 2024-11-05T09:00:00-07:00) or epoch milliseconds`
      );
    }, now);
  }

  warnings(now: number): SourceWarning[] {
    return this.#warning.warnings(now);
  }
}
