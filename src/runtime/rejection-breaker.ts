import { isCloseloopError } from '../errors/index.ts';

/**
 * Counts the tickets whose records a sink dead-letters in a row with the same HTTP status. A
 * system that refuses every record alike (a gateway answering 404 for a whole API, a deployment
 * that changed its contract) is not refusing records: dead-lettering them all would flood the DLQ
 * with an outage. Past `limit` such tickets the breaker trips, and the sink runner holds the next
 * one's record and pauses (`breaker`) until an operator resumes the connector. A delivery, or a
 * dead letter of another ticket for another reason, starts the count again.
 *
 * Tickets, not records: one ticket the system refuses (purged from the CRM, say) has each of its
 * statuses refused alike, and a crew's burst of updates or a `dlq replay --ticket` sends several
 * in a row. That is the ticket's trouble, not the system refusing everything, and holding every
 * other ticket behind it would stall them all until an operator came. So a refusal of a ticket
 * already in the run is dead-lettered without counting toward the limit or ending the run.
 */
export class RejectionBreaker {
  readonly #limit: number;
  #status: number | null = null;
  /** The tickets of the current run; a record without a key counts as a ticket of its own. */
  readonly #tickets = new Set<string>();
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
   * Whether a record of `ticket` (null: a record without a key) refused with `err` must be held
   * rather than dead-lettered: its ticket would be one more in a run of `limit` tickets refused
   * with the same status. Trips the breaker when so. When not, the ticket counts from now, before
   * its record's dead letter is written: tickets refused side by side (maxInFlight) cannot all
   * slip past the limit while their dead letters are being written.
   */
  holds(err: unknown, ticket: string | null): boolean {
    const status = httpStatusOf(err);
    if (this.#tripped !== null && this.#tripped === status) return true;
    if (ticket !== null && this.#tickets.has(ticket)) return false;
    if (this.#limit > 0 && this.#tripped === null && status !== null && status === this.#status) {
      if (this.#streak >= this.#limit) {
        this.#tripped = status;
        return true;
      }
      this.#count(ticket);
      return false;
    }
    this.delivered();
    this.#status = status;
    if (status !== null) this.#count(ticket);
    return false;
  }

  #count(ticket: string | null): void {
    if (ticket !== null) this.#tickets.add(ticket);
    this.#streak += 1;
  }

  delivered(): void {
    this.#status = null;
    this.#tickets.clear();
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
      `records of ${this.#limit} tickets in a row dead-lettered with HTTP ${this.#tripped}; the next is held: ` +
      `fix the cause, then resume the connector (POST /admin/connectors/${connector}/resume)`
    );
  }
}

function httpStatusOf(err: unknown): number | null {
  const status = isCloseloopError(err) ? err.details['httpStatus'] : undefined;
  return typeof status === 'number' ? status : null;
}
