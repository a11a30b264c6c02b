import { applyWorkState } from './apply-work.ts';
import type { Draft } from './draft.ts';
import { isClosed, isTerminalWork } from './lifecycle.ts';
import { holdingDepartment } from './notes.ts';
import type { Decision } from './outputs.ts';
import type { StatusMappingEntry } from './policy.ts';
import { publish } from './publish.ts';
import type { TicketState, WorkOrderRecord } from './state.ts';
import type { CrmTicketEvent, TicketLifecycleState, WorkOrderEvent, WorkOrderState } from './types.ts';

/**
 * How far along its way each work-order state lies. ON_HOLD shares IN_PROGRESS's rank: a hold
 * can start or end at any time, and an observation cannot tell which came last.
 */
const PROGRESS_RANK: Readonly<Record<WorkOrderState, number>> = {
  REQUESTED: 0,
  ACCEPTED: 1,
  ASSIGNED: 2,
  SCHEDULED: 3,
  IN_PROGRESS: 4,
  ON_HOLD: 4,
  COMPLETED: 5,
  CANCELLED: 5,
  REJECTED: 5,
};

/**
 * Whether an observed state moves a work order forward. An observation has no position in the
 * department's feed, so it cannot be ordered against the events the bridge applied: it is only
 * believed where it lies further along than the state the bridge holds, and never against a
 * terminal one. A feed event applied after the lookup was made is then never undone by it.
 */
export function reconcileMoves(current: WorkOrderState, observed: WorkOrderState): boolean {
  return !isTerminalWork(current) && PROGRESS_RANK[observed] > PROGRESS_RANK[current];
}

/**
 * A department's current state, read by reconciliation (origin RECONCILE_ORIGIN, no sequence).
 * It is applied by its state alone and leaves the work order's position where it was: a time
 * judged against a sequence watermark would read as an absurd jump or freeze later events. A
 * work order the bridge does not know is not created from an observation: it is a violation.
 */
export function decideObservation(
  prev: TicketState,
  current: WorkOrderRecord | null,
  e: WorkOrderEvent,
  entry: StatusMappingEntry,
  draft: Draft,
): Decision {
  if (!current) {
    // Said, not dropped: reconciliation (or a tool) sent what no work order of this ticket is.
    draft.violation(
      e.ticketId,
      'UNKNOWN_WORK_ORDER',
      `reconciliation observed work order ${e.workOrderId} (${e.rawStatus}), which the ticket does not hold; not applied`,
      { department: e.department, system: e.system, rawStatus: e.rawStatus, workOrderId: e.workOrderId },
    );
    return draft.done(prev, false);
  }
  // A work order adopted at go-live is taken whatever its state: it replaces the export's record
  // of the work (adoptWorkOrder), and a job still at its first step would otherwise leave the
  // ticket holding no work order at all.
  const adopting = !prev.workOrders.some((w) => w.workOrderId === current.workOrderId);
  if (!adopting && !reconcileMoves(current.state, entry.state)) return draft.done(prev, false);
  return applyWorkState(prev, current, { ...current, rawStatus: e.rawStatus }, e, entry, draft);
}

const STATE_WORDS: Readonly<Record<TicketLifecycleState, string>> = {
  NEW: 'still being routed',
  ROUTED: 'still waiting for the department',
  ACCEPTED: 'accepted but not yet started',
  ASSIGNED: 'only assigned',
  SCHEDULED: 'still scheduled',
  IN_PROGRESS: 'still in progress',
  ON_HOLD: 'on hold',
  DUPLICATE: 'still open',
  REOPENED: 'still open',
  RESOLVED: 'done',
  CANCELLED: 'cancelled',
};

/** What the citizen reads when a ticket closed by hand is reopened. */
export function reopenNote(state: TicketLifecycleState): string {
  return `Reopened: this request was closed by hand while the work was ${STATE_WORDS[state]}.`;
}

/**
 * Reconciliation found the ticket closed in the CRM by hand while the bridge has it open, and the
 * city's policy is to reopen it: the CRM gets a new status (open, saying why) and the closure is
 * recorded as CLOSED_BY_HAND. A ticket the bridge has closed meanwhile is closed rightly; the
 * event's id makes a repeat of the same finding a no-op. No CRM position is taken from it.
 */
export function decideReopen(prev: TicketState | null, e: CrmTicketEvent, draft: Draft): Decision {
  if (!prev) {
    draft.violation(e.ticketId, 'UNKNOWN_TICKET', 'reconciliation asked to reopen a ticket the bridge does not know');
    return draft.done(null, false);
  }
  if (isClosed(prev.state)) return draft.done(prev, false);
  draft.violation(
    e.ticketId,
    'CLOSED_BY_HAND',
    `closed by hand in the CRM at status version ${prev.version} while ${prev.state}; reopened`,
    { department: holdingDepartment(prev) },
  );
  return draft.done(publish(prev, prev, draft, { notePrefix: reopenNote(prev.state) }), true);
}

/**
 * Reconciliation found the CRM holding a status version above the bridge's (the bridge's state
 * restored from an older backup, its changelog recreated): the CRM takes every version up to its
 * own as a repeat, so the ticket would stop moving there. The ticket's version is raised to the
 * CRM's and its current status sent again above it, through the close gate as any status is
 * (publish), so the CRM applies the bridge's real status next. The event's id names the CRM's
 * version, so a repeat of the same finding sends once; a ticket whose version has passed the
 * CRM's meanwhile needs nothing.
 */
export function decideCrmAhead(
  prev: TicketState | null,
  e: CrmTicketEvent,
  crmVersion: number,
  draft: Draft,
): Decision {
  if (!prev) {
    draft.violation(
      e.ticketId,
      'UNKNOWN_TICKET',
      `reconciliation asked to send again above the CRM's status v${crmVersion} a ticket the bridge does not know`,
    );
    return draft.done(null, false);
  }
  if (crmVersion <= prev.version) return draft.done(prev, false);
  // No kept key: the status is new to the CRM, whatever the bridge last sent under a lower version.
  const raised: TicketState = { ...prev, version: crmVersion, lastStatusKey: null };
  return draft.done(publish(prev, raised, draft), true);
}
