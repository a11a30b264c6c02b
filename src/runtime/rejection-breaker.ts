import { isCloseloopError } from '../errors/index.ts';

/**
 * Counts the records a sink dead-letters in a row with the same HTTP status. A system that
 * refuses every record alike (a gateway answering 404 for a whole API, a deployment that changed
 * its contract) is not refusing records: dead-lettering them all would flood the DLQ with an
 * outage. Past `limit` such dead letters the breaker trips, and the sink runner holds the next
 * one and pauses (`breaker`) until an operator resumes the connector. A delivery, or a dead
 * letter for another reason, starts the count again.
 */
export class RejectionBreaker {
  readonly #limit: number;
  #status: number | null = null;
  #streak = 0;
  #tripped: number | null = null;

  /** `limit` 0 turns the breaker off. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The status it tripped on, or null while records go through. */
  get tripped(): number | null {
    return this.#tripped;
  }

  /**
   * Whether a record refused with `err` must be held rather than dead-lettered: it would be one
   * more in a run of `limit` dead letters with the same status. Trips the breaker when so. When
   * not, the record counts as dead-lettered from now, before its write: records refused side by
   * side (maxInFlight) cannot all slip past the limit while their dead letters are being written.
   */
  holds(err: unknown): boolean {
    const status = httpStatusOf(err);
    if (this.#tripped !== null && this.#tripped === status) return true;
    if (this.#limit > 0 && this.#tripped === null && status !== null && status === this.#status) {
      if (this.#streak >= this.#limit) {
        this.#tripped = status;
        return true;
      }
      this.#streak += 1;
      return false;
    }
    this.#status = status;
    this.#streak = status === null ? 0 : 1;
    return false;
  }

  delivered(): void {
    this.#status = null;
    this.#streak = 0;
  }

  /** An operator resumed the connector: what it holds is tried again, and the count starts over. */
  reset(): void {
    this.#tripped = null;
    this.delivered();
  }

  /** For readiness: what it tripped on and how to go on. */
  describe(connector: string): string | null {
    if (this.#tripped === null) return null;
    return (
      `${this.#limit} records in a row dead-lettered with HTTP ${this.#tripped}; the next is held: ` +
      `fix the cause, then resume the connector (POST /admin/connectors/${connector}/resume)`
    );
  }
}

function httpStatusOf(err: unknown): number | null {
  const status = isCloseloopError(err) ? err.details['httpStatus'] : undefined;
  return typeof status === 'number' ? status : null;
}
