import type { Draft } from './draft.ts';
import { NO_RECENT_EVENTS } from './recent-events.ts';
import type { ChildLink, ParentLink, TicketState } from './state.ts';
import type { TicketLinkMessage } from './types.ts';

/**
 * An open duplicate an export names asks its parent to list it (see openImported), as a live one
 * does. The parent's row and that request travel on different topics, so the request may come
 * first: history's parent not known yet is not a refusal. Its key keeps a record of the children
 * waiting for it, and the parent, when its OPENED comes, takes them and tells them where it
 * stands, as if they had asked after it: the outcome is the same in either order.
 *
 * The record is no ticket: it has never published a status (version 0, no status key), which no
 * ticket's state lacks. It is kept closed, so no sweep or sentinel takes it for an open ticket
 * (reconciliation leaves it out: see candidates in src/reconcile/engine.ts), and it expires with the retention window if the parent never comes: its
 * children stay linked as settled history meanwhile, closing on their own (openImported).
 */
export function isAwaitedParent(t: TicketState): boolean {
  return t.version === 0 && t.lastStatusKey === null && t.workOrders.length === 0;
}

/** The record of a parent not known yet, with the child that asked for it added. */
export function awaitParent(prev: TicketState | null, m: TicketLinkMessage, now: number): TicketState {
  const child: ChildLink = { ticketId: m.fromTicketId, linkType: m.linkType };
  if (prev) {
    const others = prev.children.filter((c) => c.ticketId !== m.fromTicketId);
    return { ...prev, children: [...others, child], updatedAt: now };
  }
  return {
    ticketId: m.ticketId,
    jurisdiction: m.envelope.jurisdiction,
    serviceCode: null,
    channel: null,
    description: null,
    requestedAt: null,
    state: 'CANCELLED',
    version: 0,
    priority: 0,
    workOrders: [],
    departmentsTried: [],
    closureReason: null,
    closureNote: null,
    parent: null,
    children: [child],
    reviewPending: null,
    notes: [],
    recentEventIds: NO_RECENT_EVENTS,
    crmPosition: Number.NEGATIVE_INFINITY,
    lastStatusKey: null,
    closedAt: now,
    updatedAt: now,
    sla: null,
    watch: null,
  };
}

/**
 * A ticket opened where children waited for it takes them, and publish tells them its status. A
 * ticket that is itself linked takes no children (as onLinkRequest refuses them): each is told
 * so, as it would have been had it asked after.
 */
export function takeAwaitedChildren(t: TicketState, awaited: TicketState | null, draft: Draft): TicketState {
  if (!awaited || awaited.children.length === 0) return t;
  if (t.parent) {
    const kind = t.parent.linkType === 'DUPLICATE' ? 'a duplicate' : 'a follow-up';
    for (const c of awaited.children) {
      const parentNote = `#${t.ticketId} is itself ${kind} of #${t.parent.ticketId}`;
      draft.link(c.ticketId, t.ticketId, 'LINK_REJECTED', c.linkType, { reason: 'PARENT_IS_LINKED', parentNote });
    }
    return t;
  }
  return { ...t, children: awaited.children };
}

/**
 * A link an export made, not yet answered by its parent: accepted as the city linked it, with no
 * word of the parent (a live link has one once accepted: its parent's answer gives its state).
 */
export function awaitsHistoryParent(link: ParentLink | null): boolean {
  return link !== null && link.accepted && link.parentState === null && !link.pendingTicketId;
}
