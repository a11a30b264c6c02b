import type { Draft } from './draft.ts';
import type { Decision } from './outputs.ts';
import type { TicketState } from './state.ts';
import type { OperatorCommand } from './types.ts';

const shown = (position: number): string => (Number.isFinite(position) ? String(position) : 'none');

/**
 * An operator's command about one ticket. The quarantine topic is kept for good, so each outcome
 * is recorded there, naming who and why: it is the audit trail. Nothing is changed for a ticket
 * or work order the bridge does not know.
 */
export function decideOperator(prev: TicketState | null, c: OperatorCommand, draft: Draft): Decision {
  const audit = `reset-order by ${c.by}: ${c.reason}`;
  if (!prev) {
    draft.violation(c.ticketId, 'UNKNOWN_TICKET', `${audit}; the bridge does not know this ticket, nothing changed`, {
      workOrderId: c.workOrderId,
    });
    return draft.done(null, false);
  }
  if (c.workOrderId === null) {
    draft.violation(
      c.ticketId,
      'ORDER_RESET',
      `${audit}; CRM events' watermark was ${shown(prev.crmPosition)}, the next CRM event applies`,
    );
    return draft.done({ ...prev, crmPosition: Number.NEGATIVE_INFINITY }, true);
  }
  const wo = prev.workOrders.find((w) => w.workOrderId === c.workOrderId);
  if (!wo) {
    const known = prev.workOrders.map((w) => w.workOrderId).join(', ') || 'none';
    draft.violation(
      c.ticketId,
      'UNKNOWN_WORK_ORDER',
      `${audit}; work order ${c.workOrderId} is not one of this ticket's (${known}), nothing changed`,
      { workOrderId: c.workOrderId },
    );
    return draft.done(prev, false);
  }
  draft.violation(
    c.ticketId,
    'ORDER_RESET',
    `${audit}; watermark was ${shown(wo.lastPosition)}, the next event of the work order applies`,
    { workOrderId: wo.workOrderId, department: wo.department, system: wo.system, rawStatus: wo.rawStatus },
  );
  const reset = { ...wo, lastPosition: Number.NEGATIVE_INFINITY };
  return draft.done({ ...prev, workOrders: prev.workOrders.map((w) => (w === wo ? reset : w)) }, true);
}
