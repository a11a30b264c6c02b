import type { TicketState, WorkOrderRecord } from './state.ts';
import type { ClosureReason, TicketLifecycleState, WorkOrderState } from './types.ts';

const OPEN_WORK: readonly WorkOrderState[] = ['ACCEPTED', 'ASSIGNED', 'SCHEDULED', 'IN_PROGRESS', 'ON_HOLD'];
const ENDS: readonly WorkOrderState[] = ['COMPLETED', 'CANCELLED', 'REJECTED'];

/**
 * Work-order transitions a department may make. Steps may be skipped and interim states
 * revisited (work is rescheduled, crews reassigned); terminal states are sticky. The one way
 * out of COMPLETED, a follow-up whose review finds the work not done, is decided in
 * decide-dept.ts, not here.
 */
export const WORK_ORDER_TRANSITIONS: Readonly<Record<WorkOrderState, readonly WorkOrderState[]>> = {
  REQUESTED: [...OPEN_WORK, ...ENDS],
  ACCEPTED: ['REQUESTED', ...OPEN_WORK, ...ENDS],
  ASSIGNED: ['REQUESTED', ...OPEN_WORK, ...ENDS],
  SCHEDULED: ['REQUESTED', ...OPEN_WORK, ...ENDS],
  IN_PROGRESS: ['REQUESTED', ...OPEN_WORK, ...ENDS],
  ON_HOLD: ['REQUESTED', ...OPEN_WORK, ...ENDS],
  COMPLETED: [],
  CANCELLED: [],
  REJECTED: [],
};

const OPEN_TICKET: readonly TicketLifecycleState[] = [
  'NEW',
  'ROUTED',
  'ACCEPTED',
  'ASSIGNED',
  'SCHEDULED',
  'IN_PROGRESS',
  'ON_HOLD',
  'DUPLICATE',
];

/** Ticket transitions. RESOLVED leaves only through REOPENED (rule 5); CANCELLED never. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketLifecycleState, readonly TicketLifecycleState[]>> = {
  NEW: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  ROUTED: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  ACCEPTED: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  ASSIGNED: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  SCHEDULED: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  IN_PROGRESS: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  ON_HOLD: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  DUPLICATE: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  REOPENED: [...OPEN_TICKET, 'RESOLVED', 'CANCELLED'],
  RESOLVED: ['REOPENED'],
  CANCELLED: [],
};

export function isTerminalWork(state: WorkOrderState): boolean {
  return WORK_ORDER_TRANSITIONS[state].length === 0;
}

export function isClosed(state: TicketLifecycleState): boolean {
  return state === 'RESOLVED' || state === 'CANCELLED';
}

export function canMove(from: TicketLifecycleState, to: TicketLifecycleState): boolean {
  return from === to || TICKET_TRANSITIONS[from].includes(to);
}

const PROGRESS = ['REQUESTED', 'ACCEPTED', 'ASSIGNED', 'SCHEDULED', 'IN_PROGRESS'] as const;

export interface Derived {
  readonly state: TicketLifecycleState;
  readonly closureReason: ClosureReason | null;
  /** Every work order is terminal but nothing completed and no reason is documented. */
  readonly gateBlocked: boolean;
}

const CANCELLING: readonly ClosureReason[] = ['CANCELLED_BY_REQUESTOR'];

/** Reasons the CRM gives for closing a ticket without the work: a cancel, nothing to do, referred. */
export const WITHOUT_WORK: readonly ClosureReason[] = [
  'CANCELLED_BY_REQUESTOR',
  'NO_ACTION_REQUIRED',
  'REFERRED_EXTERNAL',
];

/**
 * The ticket's own closure (reason and note) no longer says what happened: the CRM closed it for
 * a reason that means no work, and a department then reported its work completed anyway (the
 * crew finished before the cancel reached it). The citizen is told the work was done.
 */
export function closureOutranked(t: TicketState): boolean {
  return (
    t.closureReason !== null &&
    WITHOUT_WORK.includes(t.closureReason) &&
    t.workOrders.some((w) => w.state === 'COMPLETED')
  );
}

function closedBy(reason: ClosureReason): Derived {
  return { state: CANCELLING.includes(reason) ? 'CANCELLED' : 'RESOLVED', closureReason: reason, gateBlocked: false };
}

/**
 * Where the ticket stands, from its work orders and links. The close gate lives here: closed
 * only when every work order is terminal and one completed or a closure reason is documented.
 */
export function deriveTicket(t: TicketState): Derived {
  const allTerminal = t.workOrders.every((w) => isTerminalWork(w.state));
  if (t.parent?.accepted) {
    // The CRM closed the linked ticket itself, for a reason that needs no work (the resident
    // withdrew it): it closes so, once its own work orders are ended, whatever its parent does.
    if (t.closureReason && WITHOUT_WORK.includes(t.closureReason) && allTerminal) return closedBy(t.closureReason);
    const reason: ClosureReason = t.parent.linkType === 'DUPLICATE' ? 'DUPLICATE' : 'FOLLOW_UP';
    // Not while a correction to another parent is awaited: the CRM no longer names this one.
    const settled = t.parent.parentSettled && !t.parent.pendingTicketId;
    if (settled && allTerminal) return { state: 'RESOLVED', closureReason: reason, gateBlocked: false };
    if (t.parent.linkType === 'DUPLICATE') return { state: 'DUPLICATE', closureReason: null, gateBlocked: false };
    const mirrored = t.parent.parentState;
    const state = mirrored && !isClosed(mirrored) && mirrored !== 'DUPLICATE' ? mirrored : 'ROUTED';
    return { state, closureReason: null, gateBlocked: false };
  }
  if (t.workOrders.length === 0) {
    return t.closureReason ? closedBy(t.closureReason) : { state: 'NEW', closureReason: null, gateBlocked: false };
  }
  if (!allTerminal) return { state: openState(t.workOrders), closureReason: null, gateBlocked: false };
  const completed = t.workOrders.filter((w) => w.state === 'COMPLETED');
  if (completed.length > 0) {
    const own = closureOutranked(t) ? null : t.closureReason;
    const reason = own ?? completed.find((w) => w.closureReason)?.closureReason ?? 'WORK_COMPLETED';
    return { state: 'RESOLVED', closureReason: reason, gateBlocked: false };
  }
  const documented = t.closureReason ?? t.workOrders.find((w) => w.closureReason && !w.misrouted)?.closureReason;
  if (documented) return closedBy(documented);
  // Every department said "not ours": a routing problem for 311, recorded as UNROUTABLE.
  if (t.workOrders.every((w) => w.misrouted)) return { state: 'NEW', closureReason: null, gateBlocked: false };
  return { state: 'NEW', closureReason: null, gateBlocked: true };
}

/**
 * The state the open work orders give: in progress if any is; else the furthest along of those
 * not on hold; else on hold. One pass, no arrays: it runs for every event.
 */
function openState(workOrders: readonly WorkOrderRecord[]): TicketLifecycleState {
  let active = false;
  let furthest = -1;
  for (const w of workOrders) {
    if (isTerminalWork(w.state)) continue;
    if (w.state === 'IN_PROGRESS') return 'IN_PROGRESS';
    if (w.state === 'ON_HOLD') continue;
    active = true;
    furthest = Math.max(furthest, PROGRESS.indexOf(w.state as (typeof PROGRESS)[number]));
  }
  if (!active) return 'ON_HOLD';
  const state = PROGRESS[furthest] ?? 'REQUESTED';
  return state === 'REQUESTED' ? 'ROUTED' : state;
}
