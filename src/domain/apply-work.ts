import type { Draft } from './draft.ts';
import { closureOutranked, isClosed, isTerminalWork } from './lifecycle.ts';
import { openWorkOrders } from './notes.ts';
import { publicNoteOf, type StatusMappingEntry } from './policy.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { expectedTime } from './request-time.ts';
import { routeTicket } from './routing.ts';
import type { TicketState, WorkOrderRecord } from './state.ts';
import type { WorkOrderEvent } from './types.ts';
import { withdrawNewWork } from './withdraw-new-work.ts';

/**
 * The department's expected date, or null when it gave none or one that cannot be believed
 * (request-time.ts judges it): that one is quarantined IMPLAUSIBLE_TIME, and the work order moves
 * on without it, never publishing it to the CRM.
 */
export function expectedDate(e: WorkOrderEvent, draft: Draft): number | null {
  const judged = expectedTime(e.expectedAt, draft.ctx);
  if (judged.doubt !== null) {
    draft.violation(e.ticketId, 'IMPLAUSIBLE_TIME', `${e.rawStatus}: ${judged.doubt}; not taken`, {
      department: e.department,
      system: e.system,
      rawStatus: e.rawStatus,
      workOrderId: e.workOrderId,
    });
  }
  return judged.at;
}

export function replaceWorkOrder(t: TicketState, wo: WorkOrderRecord): TicketState {
  const exists = t.workOrders.some((w) => w.workOrderId === wo.workOrderId);
  return {
    ...t,
    workOrders: exists ? t.workOrders.map((w) => (w.workOrderId === wo.workOrderId ? wo : w)) : [...t.workOrders, wo],
  };
}

/**
 * Moves an open work order to the state its department reported and settles the ticket through
 * the close gate. Shared by feed events and reconciliation's observations, so both decide alike;
 * `touched` is the work order with whatever the caller takes from the event (position, raw code).
 */
export function applyWorkState(
  prev: TicketState,
  current: WorkOrderRecord,
  touched: WorkOrderRecord,
  e: WorkOrderEvent,
  entry: StatusMappingEntry,
  draft: Draft,
): Decision {
  const where = { department: e.department, system: e.system, rawStatus: e.rawStatus, workOrderId: e.workOrderId };
  const target = entry.state;
  if ((e.systemClosed || entry.systemClosed) && !isTerminalWork(target)) {
    draft.violation(
      e.ticketId,
      'PREMATURE_CLOSE',
      `${e.department} closed its record at ${e.rawStatus}, which means ${target}; the ticket stays open`,
      where,
    );
  }
  let t = replaceWorkOrder(prev, {
    ...touched,
    state: target,
    publicNote: publicNoteOf(draft.ctx.policy, e, entry),
    expectedAt: expectedDate(e, draft) ?? current.expectedAt,
    closureReason: entry.closureReason ?? null,
    misrouted: entry.misroute === true,
    holdReason: target === 'ON_HOLD' ? (entry.holdReason ?? null) : null,
  });
  withdrawNewWork(prev, t, current, draft);
  if (entry.misroute) {
    const settled = settledWithoutRouting(prev);
    const kept = settled ? `; not re-routed: ${settled}` : '';
    draft.violation(e.ticketId, 'MISROUTE', `${e.department} rejected the work as not theirs${kept}`, where);
    if (!settled) t = routeTicket(t, draft);
  }
  return draft.done(publish(prev, dropOutrankedCancel(t), draft), true);
}

/**
 * The CRM's closure without the work (a cancel) on a ticket of its own, dropped once the ticket
 * resolves on work completed anyway: the work outranks it (closureOutranked), and kept it would
 * come back were a follow-up's review to reopen the work, which would be sent CANCEL again. Kept
 * while other work is open (a "not ours" to the cancel must not re-route the ticket), and on a
 * linked ticket, where the CRM's reason decides the closure whatever work it has. The public
 * status is the same either way.
 */
function dropOutrankedCancel(t: TicketState): TicketState {
  if (t.parent !== null || !closureOutranked(t) || openWorkOrders(t).length > 0) return t;
  return { ...t, closureReason: null, closureNote: null };
}

/**
 * Why a "not ours" must not send the ticket to the next department, or null when it must. A
 * department often answers a CANCEL with it: the ticket the CRM closed, the duplicate whose work
 * its parent took, and the one already closed want no new work, and the close gate settles them
 * with the reason they have.
 */
function settledWithoutRouting(t: TicketState): string | null {
  if (isClosed(t.state)) return `the ticket is ${t.state}`;
  if (t.closureReason !== null) return `the CRM closed the ticket (${t.closureReason})`;
  if (t.parent?.accepted && t.parent.linkType === 'DUPLICATE')
    return `a duplicate of #${t.parent.ticketId}, whose work covers it`;
  return null;
}
