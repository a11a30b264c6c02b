import { RECONCILE_ORIGIN, positionOf } from './context.ts';
import type { Draft } from './draft.ts';
import { isClosed, isTerminalWork, WITHOUT_WORK } from './lifecycle.ts';
import { implausiblePosition } from './ordering.ts';
import { forDepartments, hasMapping, lookupCode, publicNoteOf } from './policy.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { applyWorkState, expectedDate, replaceWorkOrder } from './apply-work.ts';
import { decideObservation } from './decide-reconcile.ts';
import { adoptWorkOrder } from './import.ts';
import { MAX_WORK_ORDERS, newWorkOrder, type TicketState, type WorkOrderRecord } from './state.ts';
import type { WorkOrderEvent } from './types.ts';

export function decideDept(known: TicketState | null, e: WorkOrderEvent, draft: Draft): Decision {
  const where = { department: e.department, system: e.system, rawStatus: e.rawStatus, workOrderId: e.workOrderId };
  if (!known) {
    draft.violation(e.ticketId, 'UNKNOWN_TICKET', 'work-order event for a ticket the bridge does not know', where);
    return draft.done(null, false);
  }
  // An event not taken (an unmapped code, a position not believed, one work order too many)
  // leaves the ticket as it was, history's record of the work too: the adoption below is undone
  // with it. Kept, it dropped that record from the state in memory while the changelog, told
  // nothing changed, kept it (found by the property tests); a replay from quarantine adopts.
  const prev = adoptWorkOrder(known, e.workOrderId);
  const entry = lookupCode(draft.ctx.policy, e.system, e.rawStatus);
  if (!entry) {
    const why = hasMapping(draft.ctx.policy, e.system) ? '' : ` (no mapping is configured for system ${e.system})`;
    draft.violation(e.ticketId, 'UNMAPPED_CODE', `status code ${e.rawStatus} is not mapped${why}`, where);
    return draft.done(known, false);
  }
  const existing = prev.workOrders.find((w) => w.workOrderId === e.workOrderId);
  // An observation (reconciliation, go-live adoption) has no position in the department's feed:
  // it is judged by its state alone, and sets no watermark, so the feed's next event applies.
  // A work order it does not know is taken only at go-live, when it replaces an imported one.
  if (e.envelope.origin === RECONCILE_ORIGIN) {
    // An open ticket holding no work order at all (one an earlier closeloop left so, adopting a
    // job at its first step) takes the job too: nothing it holds could be meant instead.
    const bare = known.workOrders.length === 0 && !isClosed(known.state);
    const adopted = prev !== known || bare ? newWorkOrder(e.workOrderId, e.department, e.system) : null;
    return decideObservation(prev, existing ?? adopted, e, entry, draft);
  }
  if (!existing && prev.workOrders.length >= MAX_WORK_ORDERS) {
    draft.violation(
      e.ticketId,
      'TOO_MANY_WORK_ORDERS',
      `the ticket holds ${prev.workOrders.length} work orders, the most it may; ${e.workOrderId} is not taken`,
      where,
    );
    return draft.done(known, false);
  }
  const current: WorkOrderRecord =
    existing ??
    // A work order the department opened on its own (a split job, a second crew).
    newWorkOrder(e.workOrderId, e.department, e.system);
  const position = positionOf(e.envelope);
  const implausible = implausiblePosition(e.envelope, current.lastPosition, draft.ctx);
  if (implausible) {
    draft.violation(e.ticketId, 'IMPLAUSIBLE_SEQUENCE', `${e.rawStatus}: ${implausible}; not applied`, where);
    return draft.done(known, false);
  }
  // Equal positions are applied in partition order (see decide-crm.ts).
  if (position < current.lastPosition) {
    draft.violation(
      e.ticketId,
      'STALE_EVENT',
      `${e.rawStatus} at position ${position} is not newer than ${current.lastPosition}; ignored`,
      where,
    );
    return draft.done(prev, false);
  }
  const target = entry.state;
  // A work order can move between departments of its system (a job transferred to another
  // division, another site): the one it names now answers for it, gets the ticket's commands,
  // and is the agency the CRM is shown.
  const touched: WorkOrderRecord = {
    ...current,
    department: e.department || current.department,
    lastPosition: position,
    rawStatus: e.rawStatus,
  };

  if (isTerminalWork(current.state)) {
    // Rule 5: after a follow-up, the department may say the completed work is not done.
    if (current.state === 'COMPLETED' && prev.reviewPending !== null && !isTerminalWork(target)) {
      const wo = {
        ...touched,
        state: target,
        publicNote: publicNoteOf(draft.ctx.policy, e, entry),
        expectedAt: expectedDate(e, draft),
        holdReason: target === 'ON_HOLD' ? (entry.holdReason ?? null) : null,
      };
      // The CRM's own closure without the work (the resident withdrew while the work was under
      // review) outlasts the reopening: the reopened work order is asked withdrawn, as it would
      // be had the cancel come after, so the ticket ends cancelled either way.
      const cancelled = prev.closureReason !== null && WITHOUT_WORK.includes(prev.closureReason);
      const closure = cancelled
        ? { closureReason: prev.closureReason, closureNote: prev.closureNote }
        : { closureReason: null, closureNote: null };
      const t = { ...replaceWorkOrder(prev, wo), reviewPending: null, ...closure };
      if (cancelled) {
        const note = forDepartments(draft.ctx.policy, prev.closureNote);
        draft.command(t, 'CANCEL', wo, { reason: prev.closureReason, note });
      }
      return draft.done(publish(prev, t, draft, { force: 'REOPENED' }), true);
    }
    if (current.state === 'COMPLETED' && prev.reviewPending !== null && isTerminalWork(target)) {
      // The review confirms the work stands (done again, or the review itself closed without
      // reopening): the follow-up can close with the original, which stays as it was.
      return draft.done(publish(prev, { ...replaceWorkOrder(prev, touched), reviewPending: null }, draft), true);
    }
    if (target !== current.state) {
      draft.violation(
        e.ticketId,
        'TERMINAL_REGRESSION',
        `work order is ${current.state}; ${e.rawStatus} (${target}) ignored`,
        where,
      );
    }
    return draft.done(replaceWorkOrder(prev, touched), true);
  }

  return applyWorkState(prev, current, touched, e, entry, draft);
}
