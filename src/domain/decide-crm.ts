import type { Draft } from './draft.ts';
import { holdingDepartment, openWorkOrders } from './notes.ts';
import type { Decision } from './outputs.ts';
import { publish } from './publish.ts';
import { NO_RECENT_EVENTS } from './recent-events.ts';
import { routeTicket } from './routing.ts';
import type { TicketState } from './state.ts';
import type { CrmTicketEvent, LinkType } from './types.ts';
import { RECONCILE_ORIGIN, positionOf } from './context.ts';
import { decideCrmAhead, decideReopen } from './decide-reconcile.ts';
import { implausiblePosition } from './ordering.ts';
import { closeImported, isImported, openImported, updateImported } from './import.ts';
import { requestTime, showTime } from './request-time.ts';
import { withNote } from './text.ts';
import { forDepartments } from './policy.ts';
import { WITHOUT_WORK } from './lifecycle.ts';
import { correctLink, requestedLink } from './relink.ts';
import { isAwaitedParent, takeAwaitedChildren } from './awaited-parent.ts';

/**
 * The request time a new ticket runs on. History is believed however old (an export's times are
 * what the city recorded); a live event's time is judged, and one not believed is quarantined as
 * IMPLAUSIBLE_TIME and replaced, whether or not an SLA applies: it is published and reported on.
 */
function requestTimeOf(e: CrmTicketEvent, draft: Draft): number {
  if (isImported(e.envelope)) return e.requestedAt ?? e.envelope.occurredAt;
  const judged = requestTime(e.requestedAt, e.envelope.occurredAt, draft.ctx);
  if (judged.doubt) {
    draft.violation(e.ticketId, 'IMPLAUSIBLE_TIME', `${judged.doubt}; the request time is ${showTime(judged.at)}`);
  }
  return judged.at;
}

function opened(e: CrmTicketEvent, draft: Draft): TicketState {
  return {
    ticketId: e.ticketId,
    jurisdiction: e.envelope.jurisdiction,
    serviceCode: e.serviceCode,
    channel: e.channel ?? null,
    description: e.description,
    requestedAt: requestTimeOf(e, draft),
    state: 'NEW',
    version: 0,
    priority: draft.ctx.policy.defaultPriority,
    workOrders: [],
    departmentsTried: [],
    closureReason: null,
    closureNote: null,
    parent: null,
    children: [],
    reviewPending: null,
    notes: [],
    recentEventIds: NO_RECENT_EVENTS,
    crmPosition: Number.NEGATIVE_INFINITY,
    lastStatusKey: null,
    closedAt: null,
    updatedAt: draft.ctx.now,
    sla: null,
    watch: null,
  };
}

function requestLink(t: TicketState, parentId: string | null, linkType: LinkType, draft: Draft): TicketState {
  // A link refused while the ticket keeps the one it has is recorded with no link type: R8
  // counts that ticket by its link, and would count it again as a duplicate left unlinked.
  const refused = { linkType: t.parent ? null : linkType, department: holdingDepartment(t) };
  if (!parentId || parentId === t.ticketId) {
    const what = linkType === 'DUPLICATE' ? 'duplicate' : 'follow-up';
    draft.violation(t.ticketId, 'MISSING_PARENT', `${what} names ${parentId ? 'itself' : 'no'} parent ticket`, refused);
    return t;
  }
  const same = t.parent?.ticketId === parentId && t.parent.linkType === linkType;
  if (!same && t.children.some((c) => c.ticketId === parentId)) {
    draft.violation(
      t.ticketId,
      'PARENT_IS_DUPLICATE',
      `#${parentId} is linked to this ticket already; a link back would be a cycle`,
      refused,
    );
    return t;
  }
  const corrected = correctLink(t, parentId, linkType, draft);
  if (corrected) return corrected;
  draft.link(parentId, t.ticketId, 'LINK_REQUEST', linkType);
  return { ...t, parent: requestedLink(parentId, linkType) };
}

/** Reasons a cancellation may carry: work done, duplicates and follow-ups are decided elsewhere. */
const CANCEL_REASONS = WITHOUT_WORK;

export function decideCrm(known: TicketState | null, e: CrmTicketEvent, draft: Draft): Decision {
  // Children of history waiting for this ticket's OPENED (see awaited-parent.ts): no ticket yet.
  const awaited = known && isAwaitedParent(known) ? known : null;
  if (awaited && e.kind !== 'OPENED') {
    draft.violation(e.ticketId, 'UNKNOWN_TICKET', `${e.kind} for a ticket the bridge has not seen opened`);
    return draft.done(awaited, false);
  }
  const prev = awaited ? null : known;
  // Reconciliation's word about the CRM, not an event of its feed: it has no position there.
  if (e.envelope.origin === RECONCILE_ORIGIN) {
    const crmVersion = e.crmStatusVersion ?? null;
    const d = crmVersion === null ? decideReopen(prev, e, draft) : decideCrmAhead(prev, e, crmVersion, draft);
    return awaited ? { ...d, state: awaited, stateChanged: false } : d;
  }
  if (!prev && e.kind !== 'OPENED') {
    draft.violation(e.ticketId, 'UNKNOWN_TICKET', `${e.kind} for a ticket the bridge has not seen opened`);
    return draft.done(null, false);
  }
  // The bridge's own record of a ticket it has run live is newer than any export of it. Live
  // means published (version above 0) or touched by the CRM's feed: imported events never set
  // crmPosition, so a ticket only ever imported keeps the -Infinity it opened with, and a newer
  // export still updates it (see updateImported).
  const runLive = prev !== null && (prev.version > 0 || prev.crmPosition > Number.NEGATIVE_INFINITY);
  if (prev && runLive && isImported(e.envelope)) return draft.done(prev, false);
  const position = positionOf(e.envelope);
  const implausible = implausiblePosition(e.envelope, prev?.crmPosition ?? Number.NEGATIVE_INFINITY, draft.ctx);
  if (implausible) {
    // A ticket still opens (the request must not be lost), but without taking the date as its
    // watermark; any other event changes nothing. The record says which, so an operator does
    // not look for a ticket that is there.
    const outcome = prev ? 'not applied' : 'the ticket is opened, without this time as its CRM position';
    draft.violation(e.ticketId, 'IMPLAUSIBLE_SEQUENCE', `CRM ${e.kind}: ${implausible}; ${outcome}`);
    if (prev) return draft.done(prev, false);
  }
  // Equal positions are not stale: sources with coarse clocks stamp several changes alike, and
  // the partition keeps their order. An exact repeat is caught by its eventId.
  if (prev && position < prev.crmPosition) {
    draft.violation(
      e.ticketId,
      'STALE_EVENT',
      `CRM event at position ${position} is not newer than ${prev.crmPosition}`,
    );
    return draft.done(prev, false);
  }
  let t: TicketState = prev ?? opened(e, draft);
  // An export's times are not positions in the CRM's feed: a ticket adopted at go-live must
  // take the CRM's next event as new, whatever the export said.
  if (!implausible && !isImported(e.envelope)) t = { ...t, crmPosition: position };
  switch (e.kind) {
    case 'OPENED':
    case 'UPDATED': {
      if (e.note) t = { ...t, notes: withNote(t.notes, e.note) };
      if (prev) {
        // A re-sent or updated ticket: new facts, but never a second routing.
        t = { ...t, description: e.description ?? t.description };
        // History again: a newer export's facts of a ticket still open (see updateImported).
        if (isImported(e.envelope)) {
          t = updateImported(t, e, draft);
          // No clock to move (no policy, no due date before): the export's due date starts the
          // clock it would have started at the first import (exportDueClock). A closed ticket
          // keeps what it has, as in updateImported.
          const open = t.closedAt === null && t.closureReason === null;
          if (!t.sla && open) draft.crmDueAt = e.crmDueAt ?? null;
        }
        const note = forDepartments(draft.ctx.policy, e.note);
        for (const wo of openWorkOrders(t)) if (note) draft.command(t, 'ADD_NOTE', wo, { note });
        // A link an agent made after the ticket opened: a duplicate, or else a follow-up (the
        // original gets its note and priority, or its review). The same link again is no change.
        if (e.kind === 'UPDATED' && e.duplicateOf) t = requestLink(t, e.duplicateOf, 'DUPLICATE', draft);
        else if (e.kind === 'UPDATED' && e.followUpOf) t = requestLink(t, e.followUpOf, 'FOLLOW_UP', draft);
        break;
      }
      // History's parent is linked and asked in openImported, with no routing and no CANCEL.
      const live = !isImported(e.envelope);
      if (live && e.followUpOf) t = requestLink(t, e.followUpOf, 'FOLLOW_UP', draft);
      else if (live && e.duplicateOf) t = requestLink(t, e.duplicateOf, 'DUPLICATE', draft);
      if (!live) {
        // History: the department already has the work (or did it); nothing is sent to it.
        t = openImported(t, e, draft);
        draft.crmDueAt = e.crmDueAt ?? null;
      } else if (e.requestKind === 'INFORMATION') {
        // Answered at first contact: no department work, and the ticket closes with the reason.
        const note = e.note ?? 'Answered at first contact: this was a request for information.';
        t = { ...t, closureReason: 'NO_ACTION_REQUIRED', closureNote: note };
      } else if (!t.parent) {
        // A linked ticket waits for its parent's answer; only a rejected link routes it.
        t = routeTicket(t, draft);
      }
      break;
    }
    case 'RESOLVED':
      if (!isImported(e.envelope)) {
        // Resolution is the departments' word, through the close gate; the CRM cannot declare it.
        draft.violation(e.ticketId, 'UNDOCUMENTED_CLOSURE', 'RESOLVED comes from history imports only; ignored');
        return draft.done(prev, false);
      }
      t = closeImported(t, e, draft);
      break;
    case 'DUPLICATE_DECLARED':
      t = requestLink(t, e.duplicateOf, 'DUPLICATE', draft);
      break;
    case 'CANCELLED': {
      if (isImported(e.envelope)) {
        t = closeImported(t, e, draft);
        break;
      }
      if (!e.closureReason || !CANCEL_REASONS.includes(e.closureReason)) {
        const why = e.closureReason
          ? `with reason ${e.closureReason}, which a cancellation cannot have`
          : 'without a closure reason';
        draft.violation(e.ticketId, 'UNDOCUMENTED_CLOSURE', `CRM cancelled the ticket ${why}; it stays open`);
        return draft.done({ ...t }, true);
      }
      t = { ...t, closureReason: e.closureReason, closureNote: e.note ?? t.closureNote };
      const note = forDepartments(draft.ctx.policy, e.note);
      for (const wo of openWorkOrders(t)) draft.command(t, 'CANCEL', wo, { reason: e.closureReason, note });
      break;
    }
  }
  // Opened where children of history waited: it takes them, and publish tells them its status.
  if (awaited) t = takeAwaitedChildren(t, awaited, draft);
  return draft.done(publish(prev, t, draft), true);
}
