import { awaitParent, awaitsHistoryParent, isAwaitedParent } from './awaited-parent.ts';
import type { Draft } from './draft.ts';
import { endHistoryWork, IMPORT_SYSTEM, isImported } from './import.ts';
import { deriveTicket, isClosed, WITHOUT_WORK } from './lifecycle.ts';
import { expectedAtOf, holdingDepartment, openWorkOrders, statusNote } from './notes.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { routeTicket } from './routing.ts';
import {
  correctionAnswered,
  correctionRefused,
  isWithdrawal,
  onLinkWithdrawn,
  replacedRequest,
  reviewDropped,
  switchParent,
  withdrawLink,
} from './relink.ts';
import type { TicketState } from './state.ts';
import { withNote } from './text.ts';
import type { TicketLinkMessage, ViolationKind } from './types.ts';

/** Children close with their parent only when it resolved and no follow-up review is pending. */
export function parentSettled(t: TicketState): boolean {
  return t.state === 'RESOLVED' && t.reviewPending === null;
}

function replyWithStatus(t: TicketState, m: TicketLinkMessage, draft: Draft): void {
  draft.link(m.fromTicketId, t.ticketId, 'PARENT_STATUS', m.linkType, {
    parentState: t.state,
    parentNote: statusNote(t, t.state, deriveTicket(t)),
    parentExpectedAt: expectedAtOf(t),
    parentSettled: parentSettled(t),
  });
}

type RejectReason = 'UNKNOWN_PARENT' | 'PARENT_IS_LINKED' | 'PARENT_CANCELLED' | 'PARENT_NOT_REVIEWABLE';

/** A child asks this ticket to be its parent (duplicate) or original (follow-up). */
function onLinkRequest(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  const reject = (reason: RejectReason, detail: string) => {
    draft.link(m.fromTicketId, m.ticketId, 'LINK_REJECTED', m.linkType, { reason, parentNote: detail });
    return draft.done(prev, false);
  };
  if (!prev || isAwaitedParent(prev)) {
    // History's duplicate may ask before the export's row of its parent is read: it waits for it.
    if (isImported(m.envelope) && m.linkType === 'DUPLICATE')
      return draft.done(awaitParent(prev, m, draft.ctx.now), true);
    return reject('UNKNOWN_PARENT', `#${m.ticketId} is not known to the bridge`);
  }
  // A ticket that is itself linked (or asking to be) takes no children: chains and cycles would
  // mirror each other forever, and a cycle of duplicates would cancel everyone's work.
  if (prev.parent) {
    const kind = prev.parent.linkType === 'DUPLICATE' ? 'a duplicate' : 'a follow-up';
    return reject('PARENT_IS_LINKED', `#${m.ticketId} is itself ${kind} of #${prev.parent.ticketId}`);
  }
  if (prev.state === 'CANCELLED') return reject('PARENT_CANCELLED', `#${m.ticketId} was cancelled`);
  const listed = prev.children.find((c) => c.ticketId === m.fromTicketId);
  const already = listed?.linkType === m.linkType;
  // Listed with the other link type: the CRM changed the link, and the child asks again.
  const others = prev.children.filter((c) => c.ticketId !== m.fromTicketId);
  let t: TicketState = already
    ? prev
    : { ...prev, children: [...others, { ticketId: m.fromTicketId, linkType: m.linkType }] };
  if (listed && !already) t = reviewDropped(prev, t, m.fromTicketId, draft);
  if (m.linkType === 'FOLLOW_UP' && !already) {
    const followed = onFollowUp(prev, t, m.fromTicketId, draft);
    // No department can be asked to review the work, so none would answer and the follow-up
    // would wait for good: refused, it is sent to a department as a request of its own.
    if (!followed) {
      return reject(
        'PARENT_NOT_REVIEWABLE',
        `#${m.ticketId} is resolved and no review of its work can be sent (see its NO_CONNECTOR records)`,
      );
    }
    t = followed;
  }
  replyWithStatus(t, m, draft);
  return draft.done(t, t !== prev);
}

/** The original as a follow-up leaves it; null when it is resolved and no review could be sent. */
function onFollowUp(prev: TicketState, t: TicketState, followUp: string, draft: Draft): TicketState | null {
  const note = `Follow-up #${followUp} received.`;
  if (!isClosed(t.state)) {
    const raised = { ...t, priority: Math.max(1, t.priority - 1), notes: withNote(t.notes, note) };
    for (const wo of openWorkOrders(raised))
      draft.command(raised, 'UPDATE_PRIORITY', wo, { reason: 'FOLLOW_UP', note });
    return publish(prev, raised, draft);
  }
  // Resolved, but the citizen says otherwise: the department that did the work reviews it. A
  // ticket closed without completed work (a documented reason) has nothing to review.
  const completed = t.workOrders.filter((w) => w.state === 'COMPLETED');
  if (completed.length === 0) return t;
  let asked = false;
  for (const wo of completed) {
    const note = `Follow-up #${followUp} reports the work is not done.`;
    // Each is asked, whatever the others: a review not sent is recorded NO_CONNECTOR.
    if (draft.command(t, 'REVIEW', wo, { reason: 'FOLLOW_UP', note })) asked = true;
  }
  // Only a review sent can be answered: history's record of the work (a ticket imported as
  // resolved) or a department no connector serves never will, and the original must not wait.
  return asked ? { ...t, reviewPending: followUp } : null;
}

function violationFor(reason: string | null, m: TicketLinkMessage): ViolationKind {
  if (reason === 'PARENT_IS_LINKED') return 'PARENT_IS_DUPLICATE';
  return m.linkType === 'FOLLOW_UP' ? 'UNKNOWN_ORIGINAL' : 'UNKNOWN_PARENT';
}

/**
 * Without a parent the request is handled on its own, so the citizen's report is not lost. A
 * department that only had it as a duplicate may take it again; one that said "not ours" not.
 */
function release(prev: TicketState, t: TicketState, draft: Draft): Decision {
  let released: TicketState = {
    ...t,
    parent: null,
    departmentsTried: t.workOrders.filter((w) => w.misrouted).map((w) => w.department),
  };
  if (wantsRouting(prev, released)) released = routeTicket(released, draft);
  return draft.done(publish(prev, released, draft), true);
}

/**
 * A released ticket is sent to a department only when no work of its own stands: it has no work
 * order, or each was refused as "not ours" or withdrawn because its parent was to do the work (a
 * duplicate's own work orders were asked withdrawn when its parent took it: on their way out even
 * if not ended yet, so it gets a work order of its own, not the one cancelled). A closed ticket,
 * one whose work was completed (completion leaves no closure reason) and one the CRM closed for
 * a reason are not: sending them again would open work nobody asked for, on a ticket that cannot
 * show it. Any other work it has stands too, and the close gate decides on it.
 */
function wantsRouting(prev: TicketState, released: TicketState): boolean {
  if (isClosed(prev.state) || released.closureReason !== null) return false;
  if (released.workOrders.some((w) => w.state === 'COMPLETED')) return false;
  // An export's link its parent never answered withdrew nothing (withdraw-new-work.ts).
  const withdrawn =
    prev.parent?.accepted === true && prev.parent.linkType === 'DUPLICATE' && !awaitsHistoryParent(prev.parent);
  // History's record of the work was never asked withdrawn (no command reaches it): the
  // department still holds it, and a second work order would be work asked twice.
  return released.workOrders.every((w) => w.misrouted || (withdrawn && w.system !== IMPORT_SYSTEM));
}

function onLinkRejected(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  if (isWithdrawal(m)) {
    const t = onLinkWithdrawn(prev, m, draft);
    return draft.done(t, t !== prev);
  }
  const refusedCorrection = prev !== null && correctionAnswered(prev, m);
  // The request it answers was replaced by one of the other type, whose answer is to come.
  if (!prev || replacedRequest(prev, m)) return draft.done(prev, false);
  if (!refusedCorrection && prev.parent?.ticketId === m.fromTicketId && awaitsHistoryParent(prev.parent))
    return historyLinkRefused(prev, m, draft);
  if (!refusedCorrection && (prev.parent?.ticketId !== m.fromTicketId || prev.parent.accepted))
    return draft.done(prev, false);
  // A refused correction leaves the link the ticket has, unless news of that parent held back
  // while the answer was awaited says it was cancelled: then the ticket is released after all.
  const kept = refusedCorrection ? correctionRefused(prev) : null;
  const keeps = kept !== null && kept.parent?.parentState !== 'CANCELLED';
  const what = m.linkType === 'DUPLICATE' ? 'duplicate of' : 'follow-up of';
  draft.violation(
    prev.ticketId,
    violationFor(m.reason, m),
    `${what} #${m.fromTicketId} refused (${m.reason ?? 'no reason'}): ${m.parentNote ?? ''}`.trim(),
    // Recorded with no link type while the link stays: R8 counts the ticket by that link and
    // would count it again as a duplicate left unlinked.
    { linkType: keeps ? null : m.linkType, department: holdingDepartment(prev) },
  );
  // Held-back news of a parent that settled applies now: the ticket closes with it.
  if (keeps) return draft.done(publish(prev, kept, draft), true);
  // A parent that refused for being linked itself may list the ticket still, from a request of
  // the other link type it took before the CRM changed the link (an unanswered request to the same
  // parent is replaced with no withdrawal: correctLink): released, the ticket lets it go, or it
  // would stay listed there for good, and a later follow-up of it be taken as known (found by the
  // property tests).
  if (!refusedCorrection && m.reason === 'PARENT_IS_LINKED')
    withdrawLink(prev.ticketId, m.fromTicketId, m.linkType, draft);
  return release(prev, kept ?? prev, draft);
}

/**
 * A parent refused the link an export made. Cancelled, it did no work: the duplicate goes its own
 * way, as when a parent that listed it is cancelled (its own work stands; see wantsRouting). A
 * parent that is itself linked takes no children: the link stays as the city made it, settled
 * history closing on its own, and the refusal is recorded with no link type (R8 counts the
 * ticket by its link). Either answer is the same whichever came first, the parent or the request.
 */
function historyLinkRefused(prev: TicketState, m: TicketLinkMessage, draft: Draft): Decision {
  if (isClosed(prev.state)) return draft.done(prev, false);
  if (m.reason === 'PARENT_CANCELLED') return release(prev, prev, draft);
  draft.violation(
    prev.ticketId,
    violationFor(m.reason, m),
    `duplicate of #${m.fromTicketId}, as the export links it, refused (${m.reason ?? 'no reason'}): ${m.parentNote ?? ''}; kept as settled history`.trim(),
    { linkType: null, department: holdingDepartment(prev) },
  );
  return draft.done(prev, false);
}

/** The answer of a parent asked, to a child closed meanwhile: that parent lets it go. */
function answeredTooLate(prev: TicketState, m: TicketLinkMessage, draft: Draft): TicketState {
  // Of the parent it has (the other link type asked), the child stays listed as it is.
  if (prev.parent?.ticketId !== m.fromTicketId) withdrawLink(prev.ticketId, m.fromTicketId, m.linkType, draft);
  return correctionRefused(prev);
}

function onParentStatus(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  const corrected = prev !== null && correctionAnswered(prev, m);
  if (!prev || (!corrected && prev.parent?.ticketId !== m.fromTicketId)) return draft.done(prev, false);
  if (replacedRequest(prev, m)) return draft.done(prev, false);
  // A closed child stays closed (terminal states are sticky). The parent it was being corrected
  // to, which took it meanwhile, is told, or it would list it (and await its review) for good.
  if (isClosed(prev.state) && corrected) return draft.done(answeredTooLate(prev, m, draft), true);
  if (isClosed(prev.state)) return draft.done(prev, false);
  const linked = corrected ? switchParent(prev, m, draft) : prev;
  if (!linked.parent) return draft.done(prev, false);
  if (linked.parent.pendingTicketId && m.parentState !== null && isClosed(m.parentState)) {
    // The parent being let go closed while the one asked has not answered: the link passes to
    // that one when it takes the ticket, and this news is only noted (applied if it refuses).
    // Applied now, the ticket would close with a parent the CRM no longer names, or, released,
    // be sent to a department of its own while the parent asked lists it and later takes it.
    const noted = {
      ...linked.parent,
      parentState: m.parentState,
      parentNote: m.parentNote,
      parentExpectedAt: m.parentExpectedAt,
      parentSettled: m.parentSettled && m.parentState === 'RESOLVED',
    };
    return draft.done({ ...linked, parent: noted }, true);
  }
  // A cancelled parent did no work: its children go their own way instead of closing with it.
  if (m.parentState === 'CANCELLED') return release(prev, linked, draft);
  const newlyAccepted = !linked.parent.accepted;
  // A link an export made is accepted before its parent answers (import.ts); the first answer is
  // what says the parent is there to cover the duplicate's work. Its own link, not one switched
  // to by a correction (accepted too, and unanswered, but its work was asked withdrawn before).
  const historyAnswered = !corrected && awaitsHistoryParent(prev.parent);
  // The CRM's cancel asked the ticket's work withdrawn already, with its own reason, which decides.
  const cancelled = linked.closureReason !== null && WITHOUT_WORK.includes(linked.closureReason);
  let t: TicketState = {
    ...linked,
    parent: {
      ...linked.parent,
      accepted: true,
      parentState: m.parentState,
      parentNote: m.parentNote,
      parentExpectedAt: m.parentExpectedAt,
      parentSettled: m.parentSettled && m.parentState === 'RESOLVED',
    },
  };
  if ((newlyAccepted || historyAnswered) && m.linkType === 'DUPLICATE' && !cancelled) {
    // The parent's work covers this one; its own work orders are withdrawn, not closed as done.
    // Of a link an export made, the department's jobs adopted since: history's record of the
    // work takes no command, and ends as the parent settles (below).
    for (const wo of openWorkOrders(t)) {
      if (historyAnswered && wo.system === IMPORT_SYSTEM) continue;
      draft.command(t, 'CANCEL', wo, { reason: 'DUPLICATE', note: `Duplicate of #${m.fromTicketId}.` });
    }
  }
  // History's record of a duplicate's work, which no CANCEL reaches, ends as the parent settles.
  if (t.parent?.parentSettled && m.linkType === 'DUPLICATE') t = endHistoryWork(t, 'DUPLICATE', draft.input.occurredAt);
  t = publish(prev, t, draft);
  return draft.done(t, true);
}

export function decideLink(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  switch (m.kind) {
    case 'LINK_REQUEST':
      return onLinkRequest(prev, m, draft);
    case 'LINK_REJECTED':
      return onLinkRejected(prev, m, draft);
    case 'PARENT_STATUS':
      return onParentStatus(prev, m, draft);
  }
}
