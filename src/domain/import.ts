import { IMPORT_ORIGIN } from './context.ts';
import type { Draft } from './draft.ts';
import { newWorkOrder, type TicketState, type WorkOrderRecord } from './state.ts';
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

/** An imported ticket opens with the export's department holding it, and no command is sent. */
export function openImported(t: TicketState, e: CrmTicketEvent): TicketState {
  const department = e.department?.trim();
  if (!department || t.workOrders.length > 0) return t;
  const wo = newWorkOrder(importedWorkOrderId(t.ticketId), department, IMPORT_SYSTEM);
  return { ...t, workOrders: [wo], departmentsTried: [department] };
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
  const parent =
    e.duplicateOf && e.duplicateOf !== t.ticketId
      ? {
          ticketId: e.duplicateOf,
          linkType: 'DUPLICATE' as const,
          accepted: true,
          parentState: 'RESOLVED' as const,
          parentNote: null,
          parentExpectedAt: null,
          parentSettled: true,
        }
      : t.parent;
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
