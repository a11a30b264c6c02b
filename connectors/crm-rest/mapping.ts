import {
  BRIDGE_ORIGIN,
  CLOSURE_REASONS,
  malformedResponse,
  type Channel,
  type ClosureReason,
  type CrmTicketEvent,
  type PublicLocation,
  type RequestKind,
  type SourceRecord,
  type TicketObservation,
  type TicketStatusChange,
} from '../../src/sdk/index.ts';
import type { CrmChange, CrmStatusUpdate, CrmTicketView } from './client.ts';

/**
 * A CRM change as a canonical ticket event. A closure reason is read as closureReasonOf reads it;
 * one outside the canonical list is not guessed: it is left out (the feed says which it was, see
 * UnreadReasons), and the bridge then treats the cancellation as undocumented.
 */
export function changeToEvent(change: Omit<CrmChange, 'unread'>, jurisdiction: string): SourceRecord<CrmTicketEvent> {
  const reason = closureReasonOf(change.closureReason);
  return {
    key: change.ticketId,
    value: {
      envelope: {
        eventId: `crm-rest:${jurisdiction}:${change.seq}`,
        jurisdiction,
        source: 'crm-rest',
        sequence: change.seq,
        occurredAt: change.at,
        // The bridge's own status writes come back through the feed; marking them lets the
        // processor ignore the echo.
        origin: change.actor === 'integration' ? BRIDGE_ORIGIN : 'crm',
        correlationId: null,
      },
      ticketId: change.ticketId,
      kind: change.kind,
      serviceCode: change.serviceCode,
      serviceName: change.serviceName,
      description: change.description,
      requestedAt: change.requestedAt,
      duplicateOf: change.duplicateOf,
      followUpOf: change.followUpOf,
      closureReason: reason,
      note: change.note,
      channel: channelOf(change.channel),
      requestKind: requestKindOf(change.requestKind),
      location: locationOf(change),
      crmDueAt: change.dueAt,
    },
  };
}

/** Words a CRM may spell otherwise than the canonical reasons do: American, or -er for -or. */
const SPELLINGS: Readonly<Record<string, string>> = { CANCELED: 'CANCELLED', REQUESTER: 'REQUESTOR' };

/**
 * The CRM's closure reason as a canonical one, as its agents' screens or an export write it: in
 * any case, with spaces, hyphens or other marks between the words ("Cancelled by requestor",
 * "cancelled-by-requestor"), and in either spelling of a word ("Canceled by requester"). Only
 * the form is read, never the meaning: a reason in other words ("Resident withdrew") is null.
 */
export function closureReasonOf(text: string | null): ClosureReason | null {
  if (text === null) return null;
  const words = text
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const name = words.map((w) => SPELLINGS[w] ?? w).join('_');
  return CLOSURE_REASONS.find((r) => r === name) ?? null;
}

/**
 * The CRM's channel names as canonical channels. Names vary by CRM ("Phone", "Call Center",
 * "Mobile App", "SeeClickFix"); one outside this list is OTHER, recorded, never dropped.
 */
const CHANNEL_WORDS: readonly [RegExp, Channel][] = [
  [/phone|call|voice|telephone|hotline/i, 'PHONE'],
  [/mobile|app|android|ios/i, 'MOBILE_APP'],
  [/web|online|internet|portal|self.?service/i, 'WEB'],
  [/e-?mail/i, 'EMAIL'],
  [/walk|in.?person|counter|front desk/i, 'WALK_IN'],
  [/twitter|facebook|social/i, 'SOCIAL'],
  [/employee|staff|internal|city worker|field/i, 'EMPLOYEE'],
  [/system|automat|sensor|integration/i, 'SYSTEM'],
];

export function channelOf(name: string | null): Channel | null {
  if (name === null || name.trim() === '') return null;
  return CHANNEL_WORDS.find(([re]) => re.test(name))?.[1] ?? 'OTHER';
}

/**
 * The CRM's request kind as a canonical one, in any case ("Information", "INFO"). The vocabulary
 * is open: a kind that is not an information request ("Service", "complaint") asks for work, so
 * that an unfamiliar word never answers a ticket at first contact.
 */
export function requestKindOf(kind: string | null): RequestKind | null {
  if (kind === null || kind.trim() === '') return null;
  return /^\s*info/i.test(kind) ? 'INFORMATION' : 'SERVICE';
}

function locationOf(c: Omit<CrmChange, 'unread'>): PublicLocation | null {
  const { address, latitude, longitude, district } = c;
  if (address === null && latitude === null && longitude === null && district === null) return null;
  return { address, latitude, longitude, district };
}

/** A bridge status as the CRM's status update; the version makes it idempotent and ordered. */
export function statusToUpdate(s: TicketStatusChange): CrmStatusUpdate {
  return {
    version: s.version,
    status: s.crmStatus === 'CLOSED' ? 'closed' : 'open',
    lifecycleState: s.lifecycleState,
    publicStatusCode: s.publicStatusCode,
    statusNote: s.statusNote,
    expectedAt: s.expectedAt,
    closureReason: s.closureReason,
    closureNote: s.closureNote,
    duplicateOf: s.duplicateOf,
    followUpOf: s.followUpOf,
    agency: s.agencyResponsible,
    priority: s.priority,
  };
}

/**
 * The CRM's ticket as a lookup's observation: its own status next to the bridge's last version.
 * A status other than open or closed (in any case) is not guessed at: reconciliation would take
 * it for drift, so it stays the malformed answer it is.
 */
export function ticketToObservation(t: CrmTicketView): TicketObservation {
  const status = t.status.trim().toLowerCase();
  if (status !== 'open' && status !== 'closed')
    throw malformedResponse(
      `reading CRM ticket ${t.id}`,
      `status: ${JSON.stringify(t.status.slice(0, 40))} is neither open nor closed`,
    );
  return {
    ticketId: t.id,
    status,
    statusVersion: t.statusVersion,
    lifecycleState: t.lifecycleState,
    closureReason: t.closureReason,
    updatedAt: t.updatedAt,
  };
}
