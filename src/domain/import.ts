import { IMPORT_ORIGIN } from './context.ts';
import type { Draft } from './draft.ts';
import { newWorkOrder, type ParentLink, type TicketState, type WorkOrderRecord } from './state.ts';
import { isTerminalWork } from './lifecycle.ts';
import type { ClosureReason, CrmTicketEvent, Envelope } from './types.ts';

/**
 * History imports (closeloop import). An imported event is a fact the CRM and the department
 * already know: the bridge records it, with the export's own times, and sends nobody anything.
 * The department the export names is kept as a work order of the pseudo-system "import", so
 * figures by department count the ticket where the city counted it.
 */
export const IMPORT_SYSTEM = 'import';

export function isImported(envelope: Pick<Envelope, 'origin'>): boolean {
  return envelope.origin === IMPORT_ORIGIN;
}

/** Whether a decoded record of any kind carries an envelope from an import (history a sink passes over). */
export function isImportedRecord(value: unknown): boolean {
  const envelope = (value as { envelope?: { origin?: unknown } } | null)?.envelope;
  return typeof envelope?.origin === 'string' && isImported({ origin: envelope.origin });
}

export function importedWorkOrderId(ticketId: string): string {
  return `${ticketId}@${IMPORT_SYSTEM}`;
}

/**
 * The parent an export names, linked as the city linked it: accepted, so history's record of the
 * duplicate's work is not asked withdrawn (history sends nothing; a job of the department's own
 * adopted later is, as any work order new to a linked duplicate: apply-work.ts). Its
 * state is not known: an export says nothing of it. Settled until the parent says otherwise: a
 * parent that never answers (one no export names) leaves the duplicate to close on its own
 * closure or its own work orders' end, not to wait for good.
 */
function importedParent(parentId: string): ParentLink {
  return {
    ticketId: parentId,
    linkType: 'DUPLICATE',
    accepted: true,
    parentState: null,
    parentNote: null,
    parentExpectedAt: null,
    parentSettled: true,
  };
}

/**
 * An imported ticket opens with the export's department holding it, and no command is sent. One
 * the export shows open as a duplicate is shown so from the start, and asks its parent to list
 * it, as a live duplicate does: the parent tells it where it stands and, when it resolves, the
 * duplicate resolves with it (rule 4). The link message is the bridge's own, between its
 * partitions, and carries origin import: what it causes while history is read is history too,
 * and a sink passes it over. The link is accepted already, so no CANCEL is asked for the work
 * the department holds.
 */
export function openImported(t: TicketState, e: CrmTicketEvent, draft: Draft): TicketState {
  const linked = linkImported(t, e, draft);
  const department = e.department?.trim();
  if (!department || linked.workOrders.length > 0) return linked;
  const wo = newWorkOrder(importedWorkOrderId(t.ticketId), department, IMPORT_SYSTEM);
  return { ...linked, workOrders: [wo], departmentsTried: [department] };
}

function linkImported(t: TicketState, e: CrmTicketEvent, draft: Draft): TicketState {
  const parentId = e.duplicateOf && e.duplicateOf !== t.ticketId && !t.parent ? e.duplicateOf : null;
  if (!parentId) return t;
  draft.link(parentId, t.ticketId, 'LINK_REQUEST', 'DUPLICATE');
  return { ...t, parent: importedParent(parentId) };
}

/**
 * A newer export's row of a ticket the bridge holds as history (an OPENED under another id, its
 * facts changed): the export's department takes the work order the export assigned (a transfer),
 * and its due date the clock's completion target. A ticket closed, a work order a department
 * system holds since go-live, and a clock stopped keep what they have: the export speaks for
 * work not yet done, and an older export's due date is not lost to a row without one. A ticket
 * with no clock to move starts one on the due date in decideCrm, where the draft carries it. One
 * the export now shows open as a duplicate, not linked yet, is linked and asks its parent.
 */
export function updateImported(t: TicketState, e: CrmTicketEvent, draft: Draft): TicketState {
  if (t.closedAt !== null || t.closureReason !== null) return t;
  const department = e.department?.trim();
  const held = t.workOrders.find(
    (w) => w.system === IMPORT_SYSTEM && w.state !== 'COMPLETED' && w.state !== 'CANCELLED',
  );
  let next = linkImported(t, e, draft);
  if (department && held && held.department !== department) {
    next = {
      ...next,
      workOrders: next.workOrders.map((w) => (w === held ? { ...w, department } : w)),
      departmentsTried: next.departmentsTried.includes(department)
        ? next.departmentsTried
        : [...next.departmentsTried, department],
    };
  }
  const due = e.crmDueAt;
  const sla = next.sla;
  if (sla && due !== null && due !== undefined && Number.isFinite(due) && sla.resolvedAt === null) {
    if (due >= sla.startedAt && due !== sla.completionDueAt) next = { ...next, sla: { ...sla, completionDueAt: due } };
  }
  return next;
}

/**
 * A closure the CRM made before the bridge ran. Its reason is documented, so the close gate
 * lets it through: the export's work order ends COMPLETED for work done, else CANCELLED with the
 * reason. A duplicate whose parent the export names is linked as settled history, with no link
 * message: it is closed, and the parent has nothing to tell it.
 * Work orders of a department system (adopted at go-live) are left to their department.
 */
export function closeImported(t: TicketState, e: CrmTicketEvent, draft: Draft): TicketState {
  const reason = e.closureReason;
  if (!reason) {
    draft.violation(t.ticketId, 'UNDOCUMENTED_CLOSURE', `imported ${e.kind} without a closure reason; it stays open`);
    return t;
  }
  // The export says this ticket closed as a duplicate, not that its parent did (a CRM closes a
  // duplicate as it is declared): the parent is resolved only if it told this ticket so.
  const named = e.duplicateOf && e.duplicateOf !== t.ticketId ? e.duplicateOf : null;
  const told = t.parent?.ticketId === named && t.parent.parentState === 'RESOLVED' ? t.parent : null;
  const parent = !named ? t.parent : told ? { ...told, accepted: true, parentSettled: true } : importedParent(named);
  return {
    ...endHistoryWork(t, reason, e.envelope.occurredAt),
    closureReason: reason,
    closureNote: e.note ?? t.closureNote,
    parent,
  };
}

/**
 * History's record of the work (the pseudo-system "import") ends with the ticket: COMPLETED for
 * work done, else CANCELLED with the reason. No department system holds it through the bridge,
 * so nothing else would end it, and the close gate would keep the ticket open for good.
 */
export function endHistoryWork(t: TicketState, reason: ClosureReason, at: number): TicketState {
  const ended = (w: WorkOrderRecord): WorkOrderRecord =>
    w.system !== IMPORT_SYSTEM || isTerminalWork(w.state)
      ? w
      : {
          ...w,
          state: reason === 'WORK_COMPLETED' ? 'COMPLETED' : 'CANCELLED',
          closureReason: reason,
          lastPosition: at,
        };
  return t.workOrders.some((w) => w.system === IMPORT_SYSTEM && !isTerminalWork(w.state))
    ? { ...t, workOrders: t.workOrders.map(ended) }
    : t;
}

/**
 * A department system's work order reported for a ticket the export assigned: the real work
 * order takes the place of the export's record of it (go-live adoption), so the ticket closes
 * when the department's work does.
 */
export function adoptWorkOrder(t: TicketState, workOrderId: string): TicketState {
  if (t.workOrders.some((w) => w.workOrderId === workOrderId)) return t;
  const kept = t.workOrders.filter(
    (w) => w.system !== IMPORT_SYSTEM || w.state === 'COMPLETED' || w.state === 'CANCELLED',
  );
  return kept.length === t.workOrders.length ? t : { ...t, workOrders: kept };
}
