/**
 * Invariants of what a decision records and answers to: every record keyed by its ticket (§2),
 * every quarantine record from the catalogue (§6/§10), echoes and repeats that change nothing
 * (§3 rule 6), and a duplicate that names no parent (§3 rule 4).
 */
import { VIOLATION_KINDS } from '../../../../src/domain/index.ts';
import { check, expectNoChange } from '../check.ts';
import type { Step } from './step.ts';

/**
 * §2: every record is keyed by its ticket; §6/§10: every quarantine record names its ticket and
 * its kind, from the catalogue, and the event it came of.
 */
export function checkKeyed({ d, key, eventId, ctxOf }: Step): void {
  for (const v of d.violations) {
    check(VIOLATION_KINDS.includes(v.kind), `violation of unknown kind ${v.kind}`, ctxOf);
    check(v.ticketId === key && v.sourceEventId === eventId, 'violation names another ticket or event', {
      v,
      ...ctxOf,
    });
    // §3 rule 2: a premature close is recorded with the department.
    if (v.kind === 'PREMATURE_CLOSE') check(!!v.department, 'PREMATURE_CLOSE without department', { v, ...ctxOf });
  }
  for (const s of d.statuses) check(s.ticketId === key, 'status for another ticket', { s, ...ctxOf });
  for (const c of d.commands) check(c.ticketId === key, 'command for another ticket', { c, ...ctxOf });
  for (const m of d.links) check(m.fromTicketId === key, 'link message from another ticket', { m, ...ctxOf });
  if (d.state) check(d.state.ticketId === key, 'state of another ticket', ctxOf);
}

/** §3 rule 6: the bridge ignores the echo of its own writes. */
export function checkEcho({ prev, d, echo, ctxOf }: Step): void {
  if (echo) expectNoChange(prev, d, 'an echo of the bridge’s own write', ctxOf);
}

/** §3 rule 6: a duplicate eventId is a no-op (one with other content is quarantined, and no more). */
export function checkRepeat({ prev, d, eventId, seen, ctxOf }: Step): void {
  if (!seen) return;
  expectNoChange(prev, d, `event id ${eventId} seen before`, ctxOf);
  for (const v of d.violations) check(v.kind === 'EVENT_ID_REUSED', 'a repeat made a violation', ctxOf);
}

/** §3 rule 4: a duplicate must name an existing parent; one without is a violation. */
export function checkDuplicateNamesParent({ prev, input, d, key, live, applied, seen, ctxOf }: Step): void {
  if (input.type === 'crm' && input.event.kind === 'DUPLICATE_DECLARED' && live && applied && !seen) {
    const parent = input.event.duplicateOf;
    if (prev && prev.version !== 0 && (parent === null || parent === key)) {
      check(
        d.violations.some((v) => v.kind === 'MISSING_PARENT'),
        'a duplicate naming no parent (or itself) is not a violation',
        ctxOf,
      );
    }
  }
}
