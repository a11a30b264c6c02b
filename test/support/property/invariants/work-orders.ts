/**
 * Invariants of a ticket's work orders and the department events about them: unique ids and
 * commands about held ones, sticky terminal states (§3 rule 6), unmapped codes quarantined
 * (rule 3), stale events recorded (rule 6), premature closes recorded (rule 2), and work found not
 * done under review reopening the ticket (rule 5).
 */
import { isTerminalWork, MAX_WORK_ORDERS, type Policy } from '../../../../src/domain/index.ts';
import { isDeepStrictEqual } from 'node:util';
import { brief, check, closedState, TERMINAL_WORK } from '../check.ts';
import type { Step } from './step.ts';

/** Whether the shipped mappings map a code: read here, not through the domain's lookupCode. */
function mapped(mappings: Policy['mappings'], system: string, code: string): boolean {
  const mapping = Object.hasOwn(mappings, system) ? mappings[system] : undefined;
  return mapping !== undefined && Object.hasOwn(mapping.codes, code);
}

/** The shipped mapping's entry for a code, when it maps it. */
function entryOf(mappings: Policy['mappings'], system: string, code: string) {
  return mapped(mappings, system, code) ? mappings[system]?.codes[code] : undefined;
}

export function checkCommands({ prev, d, ctxOf }: Step): void {
  if (!d.state) return;
  // A ticket's work-order ids are unique (routing.ts; the record of each is replaced by id).
  const ids = d.state.workOrders.map((w) => w.workOrderId);
  check(new Set(ids).size === ids.length, 'a ticket holds a work order twice', { ids, ...ctxOf });
  // A command is about a work order the ticket holds; CREATE names one it did not hold.
  for (const c of d.commands) {
    check(ids.includes(c.workOrderId), `${c.kind} for a work order the ticket does not hold`, { c, ids, ...ctxOf });
    if (c.kind === 'CREATE') {
      // No new work for a closed ticket (§3 rule 6: closed is sticky; it could not show it).
      check(!closedState(d.state.state), `CREATE for a ${d.state.state} ticket`, { c, ...ctxOf });
      check(!prev?.workOrders.some((w) => w.workOrderId === c.workOrderId), 'CREATE of a work order held', {
        c,
        ...ctxOf,
      });
    }
  }
}

/** §3 rule 6: terminal work-order states are sticky, except COMPLETED under review (rule 5). */
export function checkTerminalWorkSticky({ prev, d, ctxOf }: Step): void {
  if (!prev || !d.state) return;
  for (const w of prev.workOrders) {
    if (!isTerminalWork(w.state)) continue;
    const now = d.state.workOrders.find((x) => x.workOrderId === w.workOrderId);
    check(now !== undefined, `terminal work order ${w.workOrderId} dropped`, ctxOf);
    const reviewed = w.state === 'COMPLETED' && prev.reviewPending !== null;
    if (!reviewed) check(now.state === w.state, `${w.state} work order moved to ${now.state}`, ctxOf);
  }
}

/** A department event the ticket has not seen, not an echo: unmapped codes, then stale events. */
export function checkDepartmentEvent({ prev, input, d, echo, seen, mappings, ctxOf }: Step): void {
  if (input.type !== 'dept' || !prev || echo || seen) return;
  const e = input.event;
  const before = prev.workOrders.find((w) => w.workOrderId === e.workOrderId);
  const after = d.state?.workOrders.find((w) => w.workOrderId === e.workOrderId);
  // §3 rule 3: an unmapped code is never guessed: quarantined, and nothing moves.
  if (!mapped(mappings, e.system, e.rawStatus) && prev.version !== 0) {
    check(
      d.violations.some((v) => v.kind === 'UNMAPPED_CODE' && v.rawStatus === e.rawStatus),
      'unmapped code not quarantined',
      ctxOf,
    );
    check(d.statuses.length === 0 && d.commands.length === 0, 'an unmapped code had effects', ctxOf);
    check(isDeepStrictEqual(before, after), 'an unmapped code moved the work order', ctxOf);
  }
  // §3 rule 6: a stale event never regresses a state; it is recorded.
  const position = e.envelope.sequence ?? e.envelope.occurredAt;
  if (before && e.envelope.origin !== 'reconcile' && position < before.lastPosition) {
    check(after?.state === before.state, 'a stale event moved the work order', ctxOf);
    const recorded = d.violations.some((v) => ['STALE_EVENT', 'UNMAPPED_CODE', 'EVENT_ID_REUSED'].includes(v.kind));
    check(recorded, 'a stale event was not recorded', ctxOf);
  }
}

/**
 * §3 rule 2: a department closing its record at an interim status is recorded, with the
 * department (when the event is applied to an open work order).
 */
export function checkPrematureClose({ prev, input, d, live, applied, seen, mappings, ctxOf }: Step): void {
  if (input.type !== 'dept' || !prev || prev.version === 0 || !live || !applied || seen) return;
  const e = input.event;
  const entry = entryOf(mappings, e.system, e.rawStatus);
  const before = prev.workOrders.find((w) => w.workOrderId === e.workOrderId);
  const full = !before && prev.workOrders.length >= MAX_WORK_ORDERS;
  const interim = entry && !TERMINAL_WORK.includes(entry.state) && (e.systemClosed || entry.systemClosed === true);
  if (interim && !full && (!before || !isTerminalWork(before.state))) {
    const recorded = d.violations.some((v) => v.kind === 'PREMATURE_CLOSE' && v.department === e.department);
    check(recorded, 'a premature close was not recorded with its department', ctxOf);
  }
}

/**
 * §3 rule 5: a follow-up on a resolved ticket whose department says the work is not done
 * reopens it.
 */
export function checkReviewReopens({ prev, input, d, live, applied, seen, mappings, ctxOf }: Step): void {
  if (input.type !== 'dept' || !prev?.reviewPending || !live || !applied || seen) return;
  const e = input.event;
  const before = prev.workOrders.find((w) => w.workOrderId === e.workOrderId);
  const target = entryOf(mappings, e.system, e.rawStatus)?.state;
  const position = e.envelope.sequence ?? e.envelope.occurredAt;
  if (before?.state === 'COMPLETED' && target && !TERMINAL_WORK.includes(target) && position >= before.lastPosition) {
    const reopened = d.statuses.some((x) => x.lifecycleState === 'REOPENED');
    const refused = d.violations.some((v) => v.kind === 'TERMINAL_REGRESSION');
    check(reopened || refused, 'work found not done under review did not reopen the ticket', {
      statuses: d.statuses.map(brief),
      ...ctxOf,
    });
  }
}
