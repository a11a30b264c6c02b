import type { StatusRead } from '../domain/outputs.ts';
import type { ClosureReason, TicketLifecycleState } from '../domain/types.ts';
import { scrubPii } from '../domain/pii.ts';

/** bridge.ticket-status.v1 as read by the API, whichever schema version wrote it. */
export type StatusRecord = StatusRead;

export type PublicStatus = 'open' | 'closed';

export interface HistoryEntry {
  readonly version: number;
  readonly lifecycleState: TicketLifecycleState;
  readonly status: PublicStatus;
  /** Already scrubbed of contact data. */
  readonly note: string;
  /** The city's interim status code (publicStatusCode), e.g. SCHEDULED. */
  readonly statusCode: string;
  readonly updatedAt: number;
}

export interface SlaView {
  readonly responseDueAt: number | null;
  readonly completionDueAt: number | null;
  readonly responseBreached: boolean | null;
  readonly completionBreached: boolean | null;
  readonly paused: boolean | null;
}

/**
 * What the API serves about one ticket, and nothing more: a city holds millions of tickets, and
 * whatever is not kept here cannot leak (work orders, raw codes, closure notes, descriptions).
 * The current status, state, note and update time are the last history entry's.
 */
export interface PublicTicket {
  readonly ticketId: string;
  readonly version: number;
  readonly serviceCode: string | null;
  readonly agencyResponsible: string | null;
  readonly requestedAt: number | null;
  readonly expectedAt: number | null;
  readonly closureReason: ClosureReason | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly sla: SlaView | null;
  /** Oldest first; never empty. */
  readonly history: readonly HistoryEntry[];
}

export interface StatusProjectionOptions {
  /** Newest history entries kept per ticket; older ones are dropped. */
  readonly historyLimit?: number;
}

export const DEFAULT_HISTORY_LIMIT = 50;

export function latest(ticket: PublicTicket): HistoryEntry {
  return ticket.history[ticket.history.length - 1] as HistoryEntry;
}

/**
 * The latest public status of each ticket, fed from bridge.ticket-status.v1. Versions are per
 * ticket and only move forward, so a replayed or reordered record is dropped rather than applied.
 */
export class StatusProjection {
  readonly #tickets = new Map<string, PublicTicket>();
  readonly #historyLimit: number;

  constructor(options: StatusProjectionOptions = {}) {
    const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('historyLimit must be a whole number above 0');
    this.#historyLimit = limit;
  }

  get size(): number {
    return this.#tickets.size;
  }

  get(ticketId: string): PublicTicket | undefined {
    return this.#tickets.get(ticketId);
  }

  values(): IterableIterator<PublicTicket> {
    return this.#tickets.values();
  }

  /** True when the record was newer than what is held and is now served. */
  apply(record: StatusRecord): boolean {
    if (!Number.isSafeInteger(record.version)) return false;
    const held = this.#tickets.get(record.ticketId);
    if (held && record.version <= held.version) return false;

    const entry: HistoryEntry = {
      version: record.version,
      lifecycleState: record.lifecycleState,
      status: record.crmStatus === 'CLOSED' ? 'closed' : 'open',
      note: scrubPii(record.statusNote),
      statusCode: record.publicStatusCode,
      updatedAt: record.envelope.occurredAt,
    };
    const history = held ? [...held.history, entry] : [entry];
    if (history.length > this.#historyLimit) history.splice(0, history.length - this.#historyLimit);

    this.#tickets.set(record.ticketId, {
      ticketId: record.ticketId,
      version: record.version,
      serviceCode: record.serviceCode,
      agencyResponsible: record.agencyResponsible,
      // A v1 record after a v2 one must not forget when the ticket was opened.
      requestedAt: record.requestedAt ?? held?.requestedAt ?? null,
      expectedAt: record.expectedAt,
      closureReason: record.closureReason,
      duplicateOf: record.duplicateOf,
      followUpOf: record.followUpOf,
      sla: slaOf(record),
      history,
    });
    return true;
  }

  /** The ticket expired from the bridge (a tombstone); it is no longer served. */
  remove(ticketId: string): boolean {
    return this.#tickets.delete(ticketId);
  }
}

function slaOf(r: StatusRecord): SlaView | null {
  const known = [r.responseDueAt, r.completionDueAt, r.responseBreached, r.completionBreached, r.slaPaused];
  if (known.every((v) => v === undefined || v === null)) return null;
  return {
    responseDueAt: r.responseDueAt ?? null,
    completionDueAt: r.completionDueAt ?? null,
    responseBreached: r.responseBreached ?? null,
    completionBreached: r.completionBreached ?? null,
    paused: r.slaPaused ?? null,
  };
}
