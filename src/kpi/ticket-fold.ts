import type { KpiResolutionView, KpiTicket } from '../domain/kpi/index.ts';
import { ticketFromStatus, type StatusRead } from './from-status.ts';

interface Held {
  /** Version of the latest status seen. */
  readonly version: number;
  /** The latest status's view, with the first resolution's attached. */
  readonly ticket: KpiTicket;
  /** The lowest version seen with a resolution, and the ticket as it stood there. */
  readonly resolution: { readonly version: number; readonly view: KpiResolutionView } | null;
}

const viewOf = (t: KpiTicket): KpiResolutionView => ({
  department: t.department,
  lifecycleState: t.lifecycleState,
  closureReason: t.closureReason,
  duplicateOf: t.duplicateOf,
  followUpOf: t.followUpOf,
});

/**
 * Every status of every ticket folded into its KPI view. The status topic keeps every version, so
 * a reader from its beginning sees the latest status and also the ticket as it stood at its first
 * resolution, which R3 judges it by (docs/kpi.md): a cancel or a duplicate link after a reopen
 * must not take that resolution out of a month already published. Versions, not arrival order,
 * decide both; a repeat of one changes nothing.
 */
export class KpiTicketFold {
  readonly #held = new Map<string, Held>();
  readonly #fallbackZone: string;

  /** `fallbackZone` places tickets whose status names no SLA calendar (ticketFromStatus). */
  constructor(fallbackZone: string) {
    this.#fallbackZone = fallbackZone;
  }

  /**
   * Folds one status in; true when the ticket's view changed. A record that makes no sense throws
   * (ticketFromStatus), whatever its version, so the caller counts it instead of folding it.
   */
  apply(s: StatusRead): boolean {
    const ticket = ticketFromStatus(s, this.#fallbackZone);
    const held = this.#held.get(s.ticketId);
    const newer = !held || s.version > held.version;
    const earlierResolution = ticket.resolvedAt !== null && (!held?.resolution || s.version < held.resolution.version);
    if (!newer && !earlierResolution) return false;
    const resolution = earlierResolution ? { version: s.version, view: viewOf(ticket) } : (held?.resolution ?? null);
    const latest = newer || !held ? ticket : held.ticket;
    this.#held.set(s.ticketId, {
      version: newer || !held ? s.version : held.version,
      ticket: { ...latest, atResolution: resolution?.view ?? null },
      resolution,
    });
    return true;
  }

  /** Forgets a ticket (its tombstone); true when it was held. */
  remove(ticketId: string): boolean {
    return this.#held.delete(ticketId);
  }

  get(ticketId: string): KpiTicket | undefined {
    return this.#held.get(ticketId)?.ticket;
  }

  *tickets(): Generator<KpiTicket> {
    for (const h of this.#held.values()) yield h.ticket;
  }
}
