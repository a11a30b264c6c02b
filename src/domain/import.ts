import { IMPORT_ORIGIN } from './context.ts';
import type { Draft } from './draft.ts';
import { newWorkOrder, type ParentLink, type TicketState, type WorkOrderRecord } from './state.ts';
import type { CrmTicketEvent, Envelope } from './types.ts';

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
 * The parent an export names, linked as settled history: accepted, as the city linked it, and
 * asked nothing, as its duplicate is no news to it. Settled, because the parent will never tell
 * this ticket where it stands (it was never asked), so the duplicate closes on its own closure or
 * its own work orders' end; the parent's state is what the export says of it, if anything.
 */
function importedParent(parentId: string, parentState: 'RESOLVED' | null): ParentLink {
  return {
    ticketId: parentId,
    linkType: 'DUPLICATE',
    accepted: true,
    parentState,
    parentNote: null,
    parentExpectedAt: null,
    parentSettled: true,
  };
}

/**
 * An imported ticket opens with the export's department holding it, and no command is sent. One
 * the export shows open as a duplicate is shown so from the start, its parent linked as settled
 * history with no link message: asking would send statuses about the parent, and, the link
 * accepted, a CANCEL for the department's work the bridge cannot send.
 */
export function openImported(t: TicketState, e: CrmTicketEvent): TicketState {
  const linked: TicketState =
    e.duplicateOf && e.duplicateOf !== t.ticketId && !t.parent
      ? { ...t, parent: importedParent(e.duplicateOf, null) }
      : t;
  const department = e.department?.trim();
  if (!department || linked.workOrders.length > 0) return linked;
  const wo = newWorkOrder(importedWorkOrderId(t.ticketId), department, IMPORT_SYSTEM);
  return { ...linked, workOrders: [wo], departmentsTried: [department] };
}

/**
 * A newer export's row of a ticket the bridge holds as history (an OPENED under another id, its
 * facts changed): the export's department takes the work order the export assigned (a transfer),
 * and its due date the clock's completion target. A ticket closed, a work order a department
 * system holds since go-live, and a clock stopped keep what they have: the export speaks for
 * work not yet done, and an older export's due date is not lost to a row without one. A ticket
 * with no clock to move starts one on the due date in decideCrm, where the draft carries it.
 */
export function updateImported(t: TicketState, e: CrmTicketEvent): TicketState {
  if (t.closedAt !== null || t.closureReason !== null) return t;
  const department = e.department?.trim();
  const held = t.workOrders.find(
    (w) => w.system === IMPORT_SYSTEM && w.state !== 'COMPLETED' && w.state !== 'CANCELLED',
  );
  let next = t;
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
 * message: the parent closed long ago, and asking it again would only send statuses about it.
 * Work orders of a department system (adopted at go-live) are left to their department.
 */
export function closeImported(t: TicketState, e: CrmTicketEvent, draft: Draft): TicketState {
  const reason = e.closureReason;
  if (!reason) {
    draft.violation(t.ticketId, 'UNDOCUMENTED_CLOSURE', `imported ${e.kind} without a closure reason; it stays open`);
    return t;
  }
  const ended = (w: WorkOrderRecord): WorkOrderRecord =>
    w.system !== IMPORT_SYSTEM || w.state === 'COMPLETED' || w.state === 'CANCELLED'
      ? w
      : {
          ...w,
          state: reason === 'WORK_COMPLETED' ? 'COMPLETED' : 'CANCELLED',
          closureReason: reason,
          lastPosition: e.envelope.occurredAt,
        };
  const parent = e.duplicateOf && e.duplicateOf !== t.ticketId ? importedParent(e.duplicateOf, 'RESOLVED') : t.parent;
  return {
    ...t,
    workOrders: t.workOrders.map(ended),
    closureReason: reason,
    closureNote: e.note ?? t.closureNote,
    parent,
  };
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
