import { scrubPii } from './pii.ts';
import { canMove, deriveTicket, isClosed, isTerminalWork } from './lifecycle.ts';
import type { Draft } from './draft.ts';
import { agencyOf, closedWithParent, closureNoteOf, expectedAtOf, statusNote } from './notes.ts';
import { isImported } from './import.ts';
import { holderIn, watchOf, withWatch } from './sentinel/index.ts';
import { statusSla, trackSla } from './sla-track.ts';
import { sameStatus, statusKey } from './status-key.ts';
import type { TicketState } from './state.ts';
import type { StatusSla } from './outputs.ts';
import { clip, clipOrNull } from './text.ts';
import type { TicketLifecycleState } from './types.ts';

export interface PublishOptions {
  /** Sets the state outright (REOPENED); otherwise it is derived from work orders and links. */
  readonly force?: TicketLifecycleState;
  /** Put before the usual note (a reopening explained); a new note makes a new status. */
  readonly notePrefix?: string;
}

/**
 * Settles a ticket after an event: derives its state through the close gate, sends the CRM a
 * new versioned status if anything public changed, and tells linked children.
 */
export function publish(
  prev: TicketState | null,
  next: TicketState,
  draft: Draft,
  options: PublishOptions = {},
): TicketState {
  const derived = deriveTicket(next);
  const state = options.force ?? derived.state;
  if (prev && !canMove(prev.state, state)) {
    // The new facts are kept, but the CRM goes on seeing exactly what it saw: same state,
    // reason and version. Nothing is sent.
    draft.violation(
      next.ticketId,
      'TERMINAL_REGRESSION',
      `ticket would move from ${prev.state} to ${state}; kept ${prev.state}`,
    );
    const kept: TicketState = {
      ...next,
      state: prev.state,
      version: prev.version,
      lastStatusKey: prev.lastStatusKey,
      closedAt: prev.closedAt,
      updatedAt: draft.ctx.now,
    };
    // A review settled all the same (the work stands): its follow-ups wait for that word alone,
    // and would stay open for good without it. They get the kept state, as a new link would.
    if (prev.reviewPending !== kept.reviewPending) {
      const expectedAt = isClosed(kept.state) ? null : expectedAtOf(kept);
      // The note of the state kept, from the work that ended in it: a later open work order
      // derives no closure reason ("closed") and names its own department.
      const ended = { ...kept, workOrders: kept.workOrders.filter((w) => isTerminalWork(w.state)) };
      notifyChildren(kept, statusNote(ended, kept.state, deriveTicket(ended)), expectedAt, draft);
    }
    return kept;
  }
  if (derived.gateBlocked && !(prev && deriveTicket(prev).gateBlocked)) {
    draft.violation(
      next.ticketId,
      'UNDOCUMENTED_CLOSURE',
      'every work order ended without completion and no closure reason is documented; the ticket stays open',
    );
  }
  const closed = isClosed(state);
  const clock = trackSla(next, state, draft);
  const sla = statusSla(next, clock, state, draft.ctx.policy);
  const closureReason = closed ? derived.closureReason : null;
  // Closed with its parent, a linked ticket takes the parent's note; closed for a reason of its
  // own (the CRM cancelled it), or on its own work while its parent is not known resolved, its own.
  const withParent = closureReason === 'DUPLICATE' || closureReason === 'FOLLOW_UP';
  const closureNote = closed
    ? withParent && closedWithParent(next)
      ? (next.parent?.parentNote ?? null)
      : closureNoteOf(next)
    : null;
  const usual = statusNote(next, state, { ...derived, closureReason });
  const note = options.notePrefix ? `${options.notePrefix} ${usual}` : usual;
  const expectedAt = closed ? null : expectedAtOf(next);
  const duplicateOf = next.parent?.accepted && next.parent.linkType === 'DUPLICATE' ? next.parent.ticketId : null;
  const followUpOf = next.parent?.accepted && next.parent.linkType === 'FOLLOW_UP' ? next.parent.ticketId : null;
  // A digest, not the text: it is kept in every ticket's state, and only equality matters.
  const keyed = [state, note, expectedAt, closureReason, duplicateOf, followUpOf, next.priority, slaDigest(sla)];
  const key = statusKey(keyed);
  const changed = !sameStatus(keyed, key, next.lastStatusKey);

  const watch = watchOf(next);
  // History makes history statuses, which no sink delivers: the CRM has those rows. Not for a
  // ticket the CRM has had live statuses of (a live duplicate an export's closure of its parent
  // resolves): that is news to it, and kept back it would stay open there for good.
  const imported = isImported(draft.input) && next.version <= 0;
  const version = changed ? nextVersion(next.version, imported) : next.version;
  // The sentinel measures how long a ticket stays where it is from here, and with whom: rerouted
  // while ROUTED, it is the new department's acknowledgement that is awaited, from now. A new
  // status is awaited from its sink, unless imported: history the CRM already shows, which no
  // sink delivers.
  const stays = state === next.state && next.watch !== null && sameHolder(prev, next, state);
  const stateSince = stays ? watch.stateSince : draft.ctx.now;
  const watched = !changed
    ? { stateSince }
    : imported
      ? { stateSince, confirmedVersion: version }
      : { stateSince, statusSentAt: draft.ctx.now };
  // One copy of the ticket, not one per group of fields: this runs for every event. A ticket
  // from before the sentinel gets its watch from the settled fields (see withWatch).
  const unwatched = next.watch === null;
  const fields: TicketState = {
    ...next,
    sla: clock,
    state,
    // An imported closure happened when the export says it did.
    closedAt: closed ? (prev?.closedAt ?? (imported ? draft.input.occurredAt : draft.ctx.now)) : null,
    updatedAt: draft.ctx.now,
    version,
    // The key of today either way: a kept key of before is not compared the slow way twice.
    lastStatusKey: key,
    watch: unwatched ? null : { ...next.watch, ...watched },
  };
  const settled = unwatched ? withWatch(fields, watched) : fields;
  if (changed) {
    draft.statuses.push({
      envelope: imported || !isImported(draft.input) ? draft.envelope('status') : draft.liveEnvelope('status'),
      ticketId: next.ticketId,
      version,
      crmStatus: closed ? 'CLOSED' : 'OPEN',
      lifecycleState: state,
      publicStatusCode: state,
      // Staff notes reach the status topic, kept for good and read by the public API: contact
      // data pasted into them is scrubbed before it is written. Both notes are put together from
      // several (a closure note from every completed work order): each is cut as a whole.
      statusNote: clip(scrubPii(note), 'composed'),
      expectedAt,
      closureReason,
      closureNote: clipOrNull(closureNote === null ? null : scrubPii(closureNote), 'composed'),
      duplicateOf,
      followUpOf,
      agencyResponsible: agencyOf(next),
      serviceCode: next.serviceCode,
      channel: next.channel ?? null,
      priority: next.priority,
      workOrders: next.workOrders.map((w) => ({
        workOrderId: w.workOrderId,
        department: w.department,
        system: w.system,
        state: w.state,
        rawStatus: w.rawStatus,
        misrouted: w.misrouted,
      })),
      // Each field named, not spread: a spread copies its fields one by one onto an object that
      // keeps growing, and statusSla answers in two key orders, so statuses took two shapes.
      requestedAt: sla.requestedAt,
      slaPolicy: sla.slaPolicy,
      slaTimeZone: sla.slaTimeZone,
      responseDueAt: sla.responseDueAt,
      completionDueAt: sla.completionDueAt,
      respondedAt: sla.respondedAt,
      resolvedAt: sla.resolvedAt,
      responseBreached: sla.responseBreached,
      completionBreached: sla.completionBreached,
      slaPaused: sla.slaPaused,
      slaPausedAt: sla.slaPausedAt,
      holdReason: sla.holdReason,
      businessDaysToResolve: sla.businessDaysToResolve,
      calendarDaysToResolve: sla.calendarDaysToResolve,
    });
  }
  const reviewChanged = (prev?.reviewPending ?? null) !== settled.reviewPending;
  if (changed || reviewChanged) notifyChildren(settled, note, expectedAt, draft);
  return settled;
}

const sameHolder = (prev: TicketState | null, next: TicketState, state: TicketLifecycleState) =>
  prev === null || holderIn(state, prev.workOrders) === holderIn(state, next.workOrders);

/**
 * Imported statuses are numbered from here up: below every live version, so readers that keep a
 * ticket's highest version keep the live one, and the CRM, which counts the updates it applies
 * from 1 and never receives history, sees no gap.
 */
export const IMPORTED_VERSION_BASE = -1_000_000_000;

function nextVersion(version: number, imported: boolean): number {
  if (!imported) return Math.max(version, 0) + 1;
  return version === 0 ? IMPORTED_VERSION_BASE + 1 : version + 1;
}

/** What of the SLA fields makes a status new: due dates move, breaches and pauses happen. */
function slaDigest(s: StatusSla): unknown[] {
  return [
    s.responseDueAt,
    s.completionDueAt,
    s.respondedAt,
    s.resolvedAt,
    s.responseBreached,
    s.completionBreached,
    s.slaPausedAt,
    s.holdReason,
  ];
}

/** Tells every linked child where its parent stands, so duplicates and follow-ups mirror it. */
export function notifyChildren(t: TicketState, note: string, expectedAt: number | null, draft: Draft): void {
  for (const child of t.children) {
    draft.link(child.ticketId, t.ticketId, 'PARENT_STATUS', child.linkType, {
      parentState: t.state,
      parentNote: note,
      parentExpectedAt: expectedAt,
      parentSettled: t.state === 'RESOLVED' && t.reviewPending === null,
    });
  }
}
