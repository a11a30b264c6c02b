import { closureOutranked, isTerminalWork, type Derived } from './lifecycle.ts';
import type { TicketState, WorkOrderRecord } from './state.ts';
import type { ClosureReason, TicketLifecycleState } from './types.ts';

const REASON_WORDS: Readonly<Record<ClosureReason, string>> = {
  WORK_COMPLETED: 'the work is done',
  NO_ACTION_REQUIRED: 'no action was required',
  DUPLICATE: 'duplicate of an earlier request',
  FOLLOW_UP: 'resolved with the original request',
  CANCELLED_BY_REQUESTOR: 'cancelled at the requester’s request',
  REFERRED_EXTERNAL: 'referred to an organisation outside the city',
};

function day(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 10) : 'a date to be confirmed';
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function withNote(base: string, note: string | null): string {
  return note ? `${sentence(base)} ${sentence(note)}` : sentence(base);
}

export function openWorkOrders(t: TicketState): WorkOrderRecord[] {
  return t.workOrders.filter((w) => !isTerminalWork(w.state));
}

/**
 * The department(s) the citizen should think of as responsible right now: those with open work
 * orders, else those that completed theirs or were not sent it by mistake; each named once, in
 * the order they first appear. Runs for every status: no array or set for the usual one or two.
 */
export function agencyOf(t: TicketState): string | null {
  const anyOpen = t.workOrders.some((w) => !isTerminalWork(w.state));
  let first: string | null = null;
  let more: string[] | null = null;
  for (const w of t.workOrders) {
    const counts = anyOpen ? !isTerminalWork(w.state) : w.state === 'COMPLETED' || !w.misrouted;
    if (!counts) continue;
    const name = w.department;
    if (first === null) first = name;
    else if (name !== first && !more?.includes(name)) (more ??= []).push(name);
  }
  return first === null || more === null ? first : `${first}, ${more.join(', ')}`;
}

/**
 * The one department a ticket's figures count under: the last one that did not send it back
 * as "not ours", else the last one asked; null before routing. Takes work orders as state or
 * as a status record holds them (where v1 records lack `misrouted`).
 */
export function holdingDepartmentOf(
  workOrders: readonly { readonly department: string; readonly misrouted?: boolean }[],
): string | null {
  return (workOrders.filter((w) => w.misrouted !== true).at(-1) ?? workOrders.at(-1))?.department ?? null;
}

export function holdingDepartment(t: TicketState): string | null {
  return holdingDepartmentOf(t.workOrders);
}

export function expectedAtOf(t: TicketState): number | null {
  if (t.parent?.accepted) return t.parent.parentExpectedAt;
  // The earliest date an open work order gives (Math.min, so a NaN would still show).
  let earliest: number | null = null;
  for (const w of t.workOrders) {
    if (w.expectedAt === null || isTerminalWork(w.state)) continue;
    earliest = earliest === null ? w.expectedAt : Math.min(earliest, w.expectedAt);
  }
  return earliest;
}

/**
 * A linked ticket closes *with* its parent only when the parent is known to have resolved: a
 * link history settled without word of the parent closes on the ticket's own work, and its
 * notes must not say the parent resolved (it may be open still).
 */
export function closedWithParent(t: TicketState): boolean {
  return t.parent?.accepted === true && t.parent.parentState === 'RESOLVED';
}

/** The agent's note, else what the departments said when they finished the work. */
export function closureNoteOf(t: TicketState): string | null {
  if (t.closureNote && !closureOutranked(t)) return t.closureNote;
  const said = t.workOrders.filter((w) => w.state === 'COMPLETED' && w.publicNote).map((w) => w.publicNote);
  return said.length > 0 ? said.join(' ') : null;
}

function leading(t: TicketState, state: WorkOrderRecord['state']): WorkOrderRecord | undefined {
  return t.workOrders.find((w) => w.state === state && !isTerminalWork(w.state));
}

/** The public status note, in plain words. */
export function statusNote(t: TicketState, state: TicketLifecycleState, derived: Derived): string {
  const dept = agencyOf(t) ?? 'the department';
  const exp = expectedAtOf(t);
  const parent = t.parent;
  if (parent?.accepted && state !== 'RESOLVED' && state !== 'CANCELLED') {
    const label = parent.linkType === 'DUPLICATE' ? 'Duplicate of' : 'Follow-up of';
    // A parent resolved with a review pending (a follow-up asked for it): its note alone
    // ("Resolved by …") would read as this open request's being done too.
    if (parent.parentState === 'RESOLVED' && !parent.parentSettled && parent.parentNote)
      return `${label} #${parent.ticketId}, open while the work is reviewed (#${parent.ticketId}: ${parent.parentNote})`;
    // A link settled with no word of the parent (history an export linked) has none to follow.
    if (parent.parentNote === null && parent.parentSettled) return `${label} #${parent.ticketId}.`;
    return `${label} #${parent.ticketId} — ${parent.parentNote ?? 'status to follow.'}`;
  }
  switch (state) {
    case 'NEW': {
      if (derived.gateBlocked) {
        return `Returned to 311 for review: ${dept} closed its work order without completing it or giving a reason.`;
      }
      const misrouted = t.workOrders.filter((w) => w.misrouted).map((w) => w.department);
      if (misrouted.length > 0) return `Being re-routed by 311: ${misrouted.join(', ')} reported it is not theirs.`;
      return 'Received by 311; being routed to the responsible department.';
    }
    case 'ROUTED':
      return `Sent to ${dept}.`;
    case 'ACCEPTED':
      return withNote(`${dept} accepted the request`, leading(t, 'ACCEPTED')?.publicNote ?? null);
    case 'ASSIGNED':
      return withNote(
        `${dept} assigned the work${exp ? `; expected by ${day(exp)}` : ''}`,
        leading(t, 'ASSIGNED')?.publicNote ?? null,
      );
    case 'SCHEDULED':
      return withNote(
        `${dept} scheduled the work${exp ? ` for ${day(exp)}` : ''}`,
        leading(t, 'SCHEDULED')?.publicNote ?? null,
      );
    case 'IN_PROGRESS':
      return withNote(`${dept} is working on it`, leading(t, 'IN_PROGRESS')?.publicNote ?? null);
    case 'ON_HOLD':
      return withNote(`${dept} put the work on hold`, leading(t, 'ON_HOLD')?.publicNote ?? null);
    case 'DUPLICATE':
      return `Duplicate of #${parent?.ticketId ?? '?'}; waiting for the link to be confirmed.`;
    case 'REOPENED':
      return `Reopened: ${dept} reports the work is not done after a follow-up.`;
    case 'RESOLVED':
    case 'CANCELLED': {
      const reason = derived.closureReason;
      // Closed with the parent; a ticket the CRM closed for a reason of its own says that reason.
      if (parent?.accepted && (reason === 'DUPLICATE' || reason === 'FOLLOW_UP')) {
        const kind = parent.linkType === 'DUPLICATE' ? 'duplicate' : 'follow-up';
        if (closedWithParent(t))
          return withNote(`Resolved together with #${parent.ticketId}, of which this is a ${kind}`, parent.parentNote);
        // A link history settled with no word of the parent (see importedParent): the ticket
        // closed on its own work, and the parent may well be open still. Its own note says why.
        return withNote(`Resolved as a ${kind} of #${parent.ticketId}`, closureNoteOf(t));
      }
      const words = reason ? REASON_WORDS[reason] : 'closed';
      return withNote(
        state === 'CANCELLED' ? `Cancelled: ${words}` : `Resolved by ${dept}: ${words}`,
        closureNoteOf(t),
      );
    }
  }
}
