import { awaitsHistoryParent } from './awaited-parent.ts';
import type { Draft } from './draft.ts';
import { isClosed, isTerminalWork, WITHOUT_WORK } from './lifecycle.ts';
import { forDepartments } from './policy.ts';
import type { TicketState, WorkOrderRecord } from './state.ts';

/**
 * A work order that first appears on a ticket that wants no more work is withdrawn as the
 * ticket's work orders were when it stopped wanting it: a job the department opened on its own,
 * or one adopted at go-live. Left open, it would hold the ticket open for as long as the
 * department keeps a job nobody asked it to do, and a crew would go out to it.
 * - The CRM closed the ticket without the work (a cancel), and its open work is being withdrawn:
 *   CANCEL with the CRM's reason and note, as its other work orders were sent.
 * - A duplicate its parent has taken: CANCEL reason DUPLICATE, the parent's work covers it. Not
 *   before the parent has answered (a link an export made is accepted unanswered: a parent not
 *   known, or one that refuses, covers nothing; its first answer withdraws the jobs adopted
 *   meanwhile, decide-link.ts), nor while the CRM's correction to another parent or to a
 *   follow-up is asked and unanswered.
 */
export function withdrawNewWork(prev: TicketState, t: TicketState, current: WorkOrderRecord, draft: Draft): void {
  if (isClosed(prev.state) || prev.workOrders.some((w) => w.workOrderId === current.workOrderId)) return;
  const wo = t.workOrders.find((w) => w.workOrderId === current.workOrderId);
  if (!wo || isTerminalWork(wo.state) || wo.misrouted) return;
  if (prev.closureReason !== null && WITHOUT_WORK.includes(prev.closureReason)) {
    const note = forDepartments(draft.ctx.policy, prev.closureNote);
    draft.command(t, 'CANCEL', wo, { reason: prev.closureReason, note });
    return;
  }
  const parent = prev.parent;
  if (!parent?.accepted || parent.linkType !== 'DUPLICATE' || parent.pendingTicketId) return;
  if (awaitsHistoryParent(parent) || parent.parentState === 'CANCELLED') return;
  draft.command(t, 'CANCEL', wo, { reason: 'DUPLICATE', note: `Duplicate of #${parent.ticketId}.` });
}
