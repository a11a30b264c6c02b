import type { Draft } from './draft.ts';
import { publish } from './publish.ts';
import type { ParentLink, TicketState } from './state.ts';
import type { LinkType, TicketLinkMessage } from './types.ts';

/**
 * A link corrected to another parent. The link a ticket has stays until the parent it is
 * corrected to answers: dropped at once, a duplicate whose own work was withdrawn would show as
 * work ended undone ("Returned to 311") until the answer came. Whichever parent is let go is
 * told, so it no longer lists the ticket nor sends it its news.
 */

/** The `reason` of a LINK_REJECTED a child sends a parent it no longer links to. */
export const LINK_WITHDRAWN = 'LINK_WITHDRAWN';

/** A link asked of a parent and not answered yet: nothing of the parent is known. */
export function requestedLink(parentId: string, linkType: LinkType): ParentLink {
  return {
    ticketId: parentId,
    linkType,
    accepted: false,
    parentState: null,
    parentNote: null,
    parentExpectedAt: null,
    parentSettled: false,
    pendingTicketId: null,
  };
}

export function withdrawLink(childId: string, parentId: string, linkType: LinkType, draft: Draft): void {
  draft.link(parentId, childId, 'LINK_REJECTED', linkType, { reason: LINK_WITHDRAWN });
}

export const isWithdrawal = (m: TicketLinkMessage): boolean => m.reason === LINK_WITHDRAWN;

/**
 * A child that is no longer this ticket's follow-up: a review asked for it is no longer awaited,
 * and the other children are told (published), so they can close with the original or it expire.
 */
export function reviewDropped(prev: TicketState, t: TicketState, childId: string, draft: Draft): TicketState {
  if (t.reviewPending !== childId) return t;
  return publish(prev, { ...t, reviewPending: null }, draft);
}

/**
 * A parent let go by its child: the child leaves its list, and a review asked for it is no longer
 * awaited (the original could not expire, and its other follow-ups would be told it is not
 * settled, for good).
 */
export function onLinkWithdrawn(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): TicketState | null {
  if (!prev?.children.some((c) => c.ticketId === m.fromTicketId)) return prev;
  const t = { ...prev, children: prev.children.filter((c) => c.ticketId !== m.fromTicketId) };
  return reviewDropped(prev, t, m.fromTicketId, draft);
}

/** The parent the link is being corrected to has answered this message. */
export function correctionAnswered(t: TicketState, m: TicketLinkMessage): boolean {
  const link = t.parent;
  if (!link?.pendingTicketId || link.pendingTicketId !== m.fromTicketId) return false;
  // Of the parent it has, only the answer of the other link type, the one asked, is the answer.
  return link.ticketId !== m.fromTicketId || link.linkType !== m.linkType;
}

/** The answer to a request the ticket replaced by one of the other type, to the same parent. */
export function replacedRequest(t: TicketState, m: TicketLinkMessage): boolean {
  const link = t.parent;
  return !!link && !link.accepted && link.ticketId === m.fromTicketId && link.linkType !== m.linkType;
}

/**
 * The link moved to the parent that answered; the one it replaces is told. Its own work orders
 * were withdrawn already if it was an accepted duplicate and stays one: so counted as accepted,
 * they are not asked withdrawn twice.
 */
export function switchParent(t: TicketState, m: TicketLinkMessage, draft: Draft): TicketState {
  const old = t.parent as ParentLink;
  // A new link type to the same parent keeps it: that parent lists the ticket as answered.
  if (old.ticketId !== m.fromTicketId) withdrawLink(t.ticketId, old.ticketId, old.linkType, draft);
  const accepted = old.accepted && old.linkType === m.linkType;
  return { ...t, parent: { ...requestedLink(m.fromTicketId, m.linkType), accepted } };
}

/** The parent asked refused: the link the ticket has stays as it was. */
export function correctionRefused(t: TicketState): TicketState {
  return t.parent ? { ...t, parent: { ...t.parent, pendingTicketId: null } } : t;
}

/**
 * The CRM names another parent for a ticket already linked. Returns the ticket as it waits for
 * the answer, or null when there is no link to correct (a new link is asked the usual way).
 */
export function correctLink(t: TicketState, parentId: string, linkType: LinkType, draft: Draft): TicketState | null {
  const link = t.parent;
  if (!link) return null;
  if (link.ticketId === parentId) {
    // Back to the parent it has: a correction asked of another on the way is dropped, and that
    // ticket told, whatever link type the CRM names now.
    const pending = link.pendingTicketId;
    if (pending && pending !== parentId) withdrawLink(t.ticketId, pending, linkType, draft);
    if (link.linkType === linkType) {
      // The other link type was asked of this parent: it is asked this one again, so it lists
      // the ticket as what it is.
      if (pending === parentId) draft.link(parentId, t.ticketId, 'LINK_REQUEST', linkType);
      return pending ? correctionRefused(t) : t;
    }
    // Another link type to the same parent is a correction too: an accepted link stays until the
    // parent answers (a duplicate whose work was withdrawn, dropped at once, would show as work
    // ended undone). The parent pending is the one it has: the answer of the other type is it.
    if (!link.accepted) return null;
    if (pending === parentId) return t;
    draft.link(parentId, t.ticketId, 'LINK_REQUEST', linkType);
    return { ...t, parent: { ...link, pendingTicketId: parentId } };
  }
  if (link.pendingTicketId === parentId) return t;
  draft.link(parentId, t.ticketId, 'LINK_REQUEST', linkType);
  // The other link type asked of the parent it has is dropped without a withdrawal: that parent
  // still has it, until the one asked now takes it.
  const pending = link.pendingTicketId;
  if (pending && pending !== link.ticketId) withdrawLink(t.ticketId, pending, linkType, draft);
  if (link.accepted) return { ...t, parent: { ...link, pendingTicketId: parentId } };
  // A request not answered yet is simply replaced; the ticket asked is told, should it answer.
  withdrawLink(t.ticketId, link.ticketId, link.linkType, draft);
  return { ...t, parent: requestedLink(parentId, linkType) };
}
