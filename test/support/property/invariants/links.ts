/** Cross-ticket invariants once every link message is delivered (§3 rule 4). */
import { isTerminalWork, type TicketState } from '../../../../src/domain/index.ts';
import { check, closedState, summary } from '../check.ts';

type Tickets = ReadonlyMap<string, TicketState>;

export function checkSettled(tickets: Tickets): void {
  checkChildrenLinkBack(tickets);
  checkParentsListChildren(tickets);
  checkChildrenFollowParents(tickets);
}

/** A link is known at both ends: a parent lists a child that links to it (or is asked to)... */
function checkChildrenLinkBack(tickets: Tickets): void {
  for (const parent of tickets.values()) {
    // ...but a cancelled parent releases its children without their telling it (decide-link.ts:
    // it did no work), and keeps its list as it was: it is closed for good and takes no links.
    if (parent.state === 'CANCELLED') continue;
    for (const c of parent.children) {
      const child = tickets.get(c.ticketId);
      const to = [child?.parent?.ticketId, child?.parent?.pendingTicketId];
      check(to.includes(parent.ticketId), `#${parent.ticketId} lists #${c.ticketId}, which does not link to it`, {
        parent: summary(parent),
        child: child && summary(child),
      });
    }
  }
}

/** ...and a child's accepted link is on its parent's list. */
function checkParentsListChildren(tickets: Tickets): void {
  for (const child of tickets.values()) {
    const link = child.parent;
    // A link an export made and its parent never answered (parentState null) is history's: a
    // parent that refused it keeps it as settled history (decide-link.ts, historyLinkRefused).
    if (!link?.accepted || link.pendingTicketId || link.parentState === null) continue;
    const parent = tickets.get(link.ticketId);
    if (!parent) continue;
    check(
      parent.children.some((c) => c.ticketId === child.ticketId),
      `#${child.ticketId}'s parent does not list it`,
      {
        parent: summary(parent),
        child: summary(child),
      },
    );
  }
}

/** A listed child knows where its parent stands, and a duplicate resolves with its parent. */
function checkChildrenFollowParents(tickets: Tickets): void {
  for (const child of tickets.values()) {
    const link = child.parent;
    if (!link?.accepted || link.pendingTicketId || link.parentState === null) continue;
    const parent = tickets.get(link.ticketId);
    if (!parent?.children.some((c) => c.ticketId === child.ticketId && c.linkType === link.linkType)) continue;
    // Until the parent is resolved, the duplicate shows the parent's status: an open child knows
    // where its parent stands (a closed one stays as it closed: terminal states are sticky).
    check(
      closedState(child.state) || link.parentState === parent.state,
      `#${child.ticketId} thinks its parent is ${link.parentState}`,
      {
        child: summary(child),
        parent: summary(parent),
      },
    );
    // When the parent resolves, every duplicate resolves (reason DUPLICATE, or the CRM's own).
    const settled = parent.state === 'RESOLVED' && parent.reviewPending === null;
    const ownWorkEnded = child.workOrders.every((w) => isTerminalWork(w.state));
    if (link.linkType === 'DUPLICATE' && settled && ownWorkEnded) {
      check(closedState(child.state), `duplicate #${child.ticketId} of a resolved parent is ${child.state}`, {
        child: summary(child),
        parent: summary(parent),
      });
    }
  }
}
