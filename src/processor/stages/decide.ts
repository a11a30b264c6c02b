import { decide, type Decision, type InboundEvent, type Policy, type TicketState } from '../../domain/index.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../../errors/index.ts';
import type { DeadLetterVerdict } from './decode.ts';
import { writesState } from './emit.ts';

export type Verdict =
  | {
      readonly kind: 'decided';
      readonly event: InboundEvent;
      readonly ticketId: string;
      readonly prev: TicketState | null;
      readonly decision: Decision;
      /** What the transaction had for the ticket before: undefined when it had not changed it. */
      readonly before: TicketState | null | undefined;
    }
  | DeadLetterVerdict;

/**
 * The transaction's view of the task's tickets: the committed store, overlaid with what its
 * earlier records decided. The store itself follows only once the transaction commits.
 */
export class WorkingState {
  readonly changes = new Map<string, TicketState | null>();
  readonly #store: ReadonlyMap<string, TicketState>;

  constructor(store: ReadonlyMap<string, TicketState>) {
    this.#store = store;
  }

  get(id: string): TicketState | null {
    // One lookup when the transaction changed the ticket: a forgotten one is null, not undefined.
    const changed = this.changes.get(id);
    return changed !== undefined ? changed : (this.#store.get(id) ?? null);
  }

  /** Stage 2: the domain's decision on one event, against the ticket's state as the transaction has it. */
  decide(event: InboundEvent, policy: Policy, now: number): Verdict {
    const ticketId = event.event.ticketId;
    const before = this.changes.get(ticketId);
    const prev = before !== undefined ? before : (this.#store.get(ticketId) ?? null);
    let decision: Decision;
    try {
      decision = decide(prev, event, { policy, now });
    } catch (err) {
      // decide() returns bad data as violations; a throw must not stall the partition. One the
      // domain raises by its own code (CL_SLA_TARGET_UNREACHABLE) is dead-lettered and counted
      // under that code, which says what to fix; anything else is a bug.
      const error =
        isCloseloopError(err) && err.stage === 'decide'
          ? err
          : new CloseloopError('CL_DECIDE_FAILED', `decide() threw: ${messageOf(err)}`, { cause: err });
      return { kind: 'dead', event, error };
    }
    if (writesState(prev, decision)) this.changes.set(ticketId, decision.state);
    return { kind: 'decided', event, ticketId, prev, decision, before };
  }

  /** Takes back what a decision did to the ticket: its outputs could not be written. */
  undo(verdict: Extract<Verdict, { kind: 'decided' }>): void {
    if (verdict.before === undefined) this.changes.delete(verdict.ticketId);
    else this.changes.set(verdict.ticketId, verdict.before);
  }
}
