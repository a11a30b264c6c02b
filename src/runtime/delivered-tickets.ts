/** A record as a DELIVERY_EXHAUSTED alert names it: its ticket, and its command id or `v<version>`. */
export interface RecordSubject {
  readonly ticketId: string;
  readonly subject: string;
}

/** The version a status's subject (`v<version>`) names; null for a command's id. */
export function statusVersion(subject: string): number | null {
  const m = /^v(\d+)$/.exec(subject);
  return m ? Number(m[1]) : null;
}

/**
 * Why delivering `delivered` ends the alert of `given` (a record given up on), or null when it
 * does not: the very record was delivered after all, or, for a ticket's status, a newer status
 * of that ticket was, which the system shows instead and would answer a replay of the older one
 * that it has it already. A command's alert ends only with the command itself.
 */
export function clearingOf(delivered: RecordSubject, given: RecordSubject): string | null {
  if (delivered.ticketId !== given.ticketId || delivered.subject === '') return null;
  if (delivered.subject === given.subject) return 'delivered after all';
  const newer = statusVersion(delivered.subject);
  const older = statusVersion(given.subject);
  return newer !== null && older !== null && older < newer ? `superseded: ${delivered.subject} delivered` : null;
}

/** How many tickets' deliveries DeliveredTickets keeps; the least recently delivered go first. */
export const DELIVERIES_REMEMBERED = 20_000;

/**
 * What this process delivered lately, per ticket: the newest status version and the commands.
 * Sinks share their consumer group, so the worker that gave a record up on may not be the one
 * that delivers it: a partition moved while its old owner was still going through the record's
 * pause cycles, say, and the new owner delivered the record before the alert was on the topic.
 * Kept for the alerts this process learns of only later from the topic (see DeliveryAlerts), so
 * that the one that delivered the record can still clear them. Bounded: the alert is learned at
 * the next read of the topic, well before this many other tickets are delivered.
 */
export class DeliveredTickets {
  readonly #max: number;
  readonly #tickets = new Map<string, { version: number | null; commands: Set<string> }>();

  constructor(max = DELIVERIES_REMEMBERED) {
    this.#max = max;
  }

  add(r: RecordSubject): void {
    if (r.subject === '') return;
    const seen = this.#tickets.get(r.ticketId) ?? { version: null, commands: new Set<string>() };
    // Taken out and put back, so the map's order is the order of the latest delivery.
    this.#tickets.delete(r.ticketId);
    this.#tickets.set(r.ticketId, seen);
    const version = statusVersion(r.subject);
    if (version === null) seen.commands.add(r.subject);
    else if (seen.version === null || version > seen.version) seen.version = version;
    for (const oldest of this.#tickets.keys()) {
      if (this.#tickets.size <= this.#max) break;
      this.#tickets.delete(oldest);
    }
  }

  /** The clearing of `given`'s alert by a record delivered here (see clearingOf), or null. */
  clearing(given: RecordSubject): string | null {
    const seen = this.#tickets.get(given.ticketId);
    if (!seen) return null;
    if (seen.commands.has(given.subject)) return clearingOf(given, given);
    if (seen.version === null) return null;
    return clearingOf({ ticketId: given.ticketId, subject: `v${seen.version}` }, given);
  }
}
