import type { Draft } from './draft.ts';
import { deriveTicket, isClosed } from './lifecycle.ts';
import { expectedAtOf, openWorkOrders, statusNote } from './notes.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { routeTicket } from './routing.ts';
import type { TicketState } from './state.ts';
import type { TicketLinkMessage, ViolationKind } from './types.ts';

function replyWithStatus(t: TicketState, m: TicketLinkMessage, draft: Draft): void {
  draft.link(m.fromTicketId, t.ticketId, 'PARENT_STATUS', m.linkType, {
    parentState: t.state,
    parentNote: statusNote(t, t.state, deriveTicket(t)),
    parentExpectedAt: expectedAtOf(t),
    parentSettled: isClosed(t.state) && t.reviewPending === null,
  });
}

/** A child asks this ticket to be its parent (duplicate) or original (follow-up). */
function onLinkRequest(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  const reject = (reason: RejectReason, detail: string) => {
    draft.link(m.fromTicketId, m.ticketId, 'LINK_REJECTED', m.linkType, { reason, parentNote: detail });
    return draft.done(prev, false);
  };
  if (!prev) return reject('UNKNOWN_PARENT', `#${m.ticketId} is not known to the bridge`);
  if (prev.parent?.accepted && prev.parent.linkType === 'DUPLICATE') {
    return reject('PARENT_IS_DUPLICATE', `#${m.ticketId} is itself a duplicate of #${prev.parent.ticketId}`);
  }
  if (m.linkType === 'FOLLOW_UP' && prev.state === 'CANCELLED') {
    return reject('ORIGINAL_CANCELLED', `#${m.ticketId} was cancelled`);
  }
  const already = prev.children.some((c) => c.ticketId === m.fromTicketId);
  let t: TicketState = already
    ? prev
    : { ...prev, children: [...prev.children, { ticketId: m.fromTicketId, linkType: m.linkType }] };
  if (m.linkType === 'FOLLOW_UP' && !already) {
    if (isClosed(t.state)) {
      // Resolved, but the citizen says otherwise: the department reviews; the ticket stays closed
      // unless it reports the work not done.
      t = { ...t, reviewPending: m.fromTicketId };
      for (const wo of t.workOrders.filter((w) => w.state === 'COMPLETED')) {
        draft.command(t, 'REVIEW', wo, {
          reason: 'FOLLOW_UP',
          note: `Follow-up #${m.fromTicketId} reports the work is not done.`,
        });
      }
    } else {
      t = {
        ...t,
        priority: Math.max(1, t.priority - 1),
        notes: [...t.notes, `Follow-up #${m.fromTicketId} received.`],
      };
      for (const wo of openWorkOrders(t)) {
        draft.command(t, 'UPDATE_PRIORITY', wo, {
          reason: 'FOLLOW_UP',
          note: `Follow-up #${m.fromTicketId} received.`,
        });
      }
      t = publish(prev, t, draft);
    }
  }
  replyWithStatus(t, m, draft);
  return draft.done(t, t !== prev);
}

type RejectReason = 'UNKNOWN_PARENT' | 'PARENT_IS_DUPLICATE' | 'ORIGINAL_CANCELLED';

function violationFor(reason: string | null, m: TicketLinkMessage): ViolationKind {
  if (reason === 'PARENT_IS_DUPLICATE') return 'PARENT_IS_DUPLICATE';
  return m.linkType === 'FOLLOW_UP' ? 'UNKNOWN_ORIGINAL' : 'UNKNOWN_PARENT';
}

function onLinkRejected(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  if (!prev || prev.parent?.ticketId !== m.fromTicketId || prev.parent.accepted) return draft.done(prev, false);
  const what = m.linkType === 'DUPLICATE' ? 'duplicate of' : 'follow-up of';
  draft.violation(
    prev.ticketId,
    violationFor(m.reason, m),
    `${what} #${m.fromTicketId} refused (${m.reason ?? 'no reason'}): ${m.parentNote ?? ''}`.trim(),
  );
  let t: TicketState = { ...prev, parent: null };
  // Without a parent the request is handled on its own, so the citizen's report is not lost.
  if (t.workOrders.length === 0 && !t.closureReason) t = routeTicket(t, draft);
  return draft.done(publish(prev, t, draft), true);
}

function onParentStatus(prev: TicketState | null, m: TicketLinkMessage, draft: Draft): Decision {
  if (!prev || prev.parent?.ticketId !== m.fromTicketId) return draft.done(prev, false);
  const newlyAccepted = !prev.parent.accepted;
  let t: TicketState = {
    ...prev,
    parent: {
      ...prev.parent,
      accepted: true,
      parentState: m.parentState,
      parentNote: m.parentNote,
      parentExpectedAt: m.parentExpectedAt,
      parentSettled: m.parentSettled,
    },
  };
  if (newlyAccepted && m.linkType === 'DUPLICATE') {
    // The parent's work covers this one; its own work orders are withdrawn, not closed as done.
    for (const wo of openWorkOrders(t))
      draft.command(t, 'CANCEL', wo, { reason: 'DUPLICATE', note: `Duplicate of #${m.fromTicketId}.` });
  }
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
