import { CLOSURE_REASONS, LastingWarning, quotedValue, type ConnectorContext } from '../../src/sdk/index.ts';
import type { CrmChange } from './client.ts';
import { closureReasonOf } from './mapping.ts';

/**
 * Closure reasons the feed could not read lately (closureReasonOf). The change is published
 * without one, and a cancellation without one leaves its ticket open, quarantined by the processor
 * as an undocumented closure, which names no reason at all: so each is logged (warn, with the
 * change, the ticket and the value) and the source warns CL_SOURCE_REASON_UNREAD for an hour after
 * the last (see LastingWarning), so the operator sees what the CRM sent. The value is quoted as
 * warnings quote a value (quotedValue: contact data scrubbed, cut), as an agent may type anything.
 */
export class UnreadReasons {
  readonly #ctx: ConnectorContext;
  readonly #warning = new LastingWarning('CL_SOURCE_REASON_UNREAD');

  constructor(ctx: ConnectorContext) {
    this.#ctx = ctx;
  }

  /** Notes the change if it has a closure reason, not blank, that names none the bridge knows. */
  check(c: Pick<CrmChange, 'seq' | 'ticketId' | 'kind' | 'closureReason'>): void {
    const { seq, ticketId, kind, closureReason } = c;
    if (closureReason === null || closureReason.trim() === '' || closureReasonOf(closureReason) !== null) return;
    const value = quotedValue(closureReason);
    this.#ctx.logger.warn(
      { seq, ticketId, kind, closureReason: value },
      'CRM change has a closure reason the bridge does not know; the change is published without it',
    );
    const open = kind === 'CANCELLED' ? ', and the ticket stays open' : '';
    this.#warning.note((count) => {
      const others = count > 1 ? `; ${count} such changes while this warning lasts` : '';
      return (
        `CRM change seq ${seq} (ticket ${ticketId}, ${kind}) has closure reason ${value}, which names none ` +
        `the bridge knows; its event was published without one${open}${others}. The CRM should write one of ` +
        `${CLOSURE_REASONS.join(', ')} (in any case, with spaces or hyphens between the words)`
      );
    }, this.#ctx.clock());
  }

  warnings(now: number) {
    return this.#warning.warnings(now);
  }
}
