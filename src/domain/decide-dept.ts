import { positionOf, RECONCILE_ORIGIN } from './context.ts';
import type { Draft } from './draft.ts';
import { isTerminalWork } from './lifecycle.ts';
import { implausiblePosition } from './ordering.ts';
import { hasMapping, lookupCode } from './policy.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { routeTicket } from './routing.ts';
import { adoptWorkOrder } from './import.ts';
import { newWorkOrder, type TicketState, type WorkOrderRecord } from './state.ts';
import type { WorkOrderEvent } from './types.ts';

/** A date JavaScript can show; anything else (Avro allows far more) is treated as unknown. */
function validTime(ms: number | null): number | null {
  return ms !== null && Number.isFinite(new Date(ms).getTime()) ? ms : null;
}

function replaceWorkOrder(t: TicketState, wo: WorkOrderRecord): TicketState {
  const exists = t.workOrders.some((w) => w.workOrderId === wo.workOrderId);
  return {
    ...t,
    workOrders: exists ? t.workOrders.map((w) => (w.workOrderId === wo.workOrderId ? wo : w)) : [...t.workOrders, wo],
  };
}

export function decideDept(known: TicketState | null, e: WorkOrderEvent, draft: Draft): Decision {
  const where = { department: e.department, system: e.system, rawStatus: e.rawStatus, workOrderId: e.workOrderId };
  if (!known) {
    draft.violation(e.ticketId, 'UNKNOWN_TICKET', 'work-order event for a ticket the bridge does not know', where);
    return draft.done(null, false);
  }
  const prev = adoptWorkOrder(known, e.workOrderId);
  const entry = lookupCode(draft.ctx.policy, e.system, e.rawStatus);
  if (!entry) {
    const known = hasMapping(draft.ctx.policy, e.system) ? '' : ` (no mapping is configured for system ${e.system})`;
    draft.violation(e.ticketId, 'UNMAPPED_CODE', `status code ${e.rawStatus} is not mapped${known}`, where);
    return draft.done(prev, false);
  }
  const current: WorkOrderRecord =
    prev.workOrders.find((w) => w.workOrderId === e.workOrderId) ??
    // A work order the department opened on its own (a split job, a second crew).
    newWorkOrder(e.workOrderId, e.department, e.system);
  const position = positionOf(e.envelope);
  const implausible = implausiblePosition(e.envelope, current.lastPosition, draft.ctx);
  if (implausible) {
    draft.violation(e.ticketId, 'IMPLAUSIBLE_SEQUENCE', `${e.rawStatus}: ${implausible}`, where);
    return draft.done(prev, false);
  }
  // A lookup's observation (go-live adoption, reconciliation) is the system's state when read, not
  // a position in its feed: it is not judged against the feed's watermark, and sets none, so the
  // feed's next event applies.
  const observed = e.envelope.origin === RECONCILE_ORIGIN;
  // Equal positions are applied in partition order (see decide-crm.ts).
  if (!observed && position < current.lastPosition) {
    draft.violation(
      e.ticketId,
      'STALE_EVENT',
      `${e.rawStatus} at position ${position} is not newer than ${current.lastPosition}; ignored`,
      where,
    );
    return draft.done(prev, false);
  }
  const target = entry.state;
  const touched: WorkOrderRecord = {
    ...current,
    lastPosition: observed ? current.lastPosition : position,
    rawStatus: e.rawStatus,
  };

  if (isTerminalWork(current.state)) {
    // Rule 5: after a follow-up, the department may say the completed work is not done.
    if (current.state === 'COMPLETED' && prev.reviewPending !== null && !isTerminalWork(target)) {
      const wo = {
        ...touched,
        state: target,
        publicNote: entry.publicNote ?? e.note,
        expectedAt: validTime(e.expectedAt),
        holdReason: target === 'ON_HOLD' ? (entry.holdReason ?? null) : null,
      };
      const t = { ...replaceWorkOrder(prev, wo), reviewPending: null, closureReason: null, closureNote: null };
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
    publicNote: entry.publicNote ?? e.note ?? null,
    expectedAt: validTime(e.expectedAt) ?? current.expectedAt,
    closureReason: entry.closureReason ?? null,
    misrouted: entry.misroute === true,
    holdReason: target === 'ON_HOLD' ? (entry.holdReason ?? null) : null,
  });
  if (entry.misroute) {
    draft.violation(e.ticketId, 'MISROUTE', `${e.department} rejected the work as not theirs`, where);
    t = routeTicket(t, draft);
  }
  return draft.done(publish(prev, t, draft), true);
}
