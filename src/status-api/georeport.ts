import { DateTime } from 'luxon';
import { dueDayInstant } from '../domain/kpi/index.ts';
import type { ClosureReason, TicketLifecycleState } from '../domain/types.ts';
import { latest, type PublicStatus, type PublicTicket } from './projection.ts';
import { factRequestTime, type RequestFact } from './request-facts.ts';

/**
 * Open311 GeoReport v2 shapes. The location is the public one from the CRM (a pothole's
 * street, never the requester's home). Description and media stay null: they are the citizen's own
 * words and pictures and may identify them.
 */
export interface GeoReportRequest {
  readonly service_request_id: string;
  readonly status: PublicStatus;
  readonly status_notes: string;
  readonly service_name: string | null;
  readonly service_code: string | null;
  readonly description: null;
  readonly agency_responsible: string | null;
  readonly service_notice: string | null;
  readonly requested_datetime: string | null;
  readonly updated_datetime: string | null;
  readonly expected_datetime: string | null;
  readonly address: string | null;
  readonly address_id: null;
  readonly zipcode: null;
  readonly lat: number | null;
  readonly long: number | null;
  readonly media_url: null;
  readonly lifecycle_state: TicketLifecycleState;
  /** The interim status code the city publishes, e.g. SCHEDULED or ON_HOLD_PARTS. */
  readonly status_code: string;
  readonly request_kind: 'service' | 'information' | null;
  readonly district: string | null;
  readonly closure_reason: ClosureReason | null;
  readonly duplicate_of: string | null;
  readonly follow_up_of: string | null;
  /** Asked for by id only: a search's answer leaves it out (see GeoReportDetail). */
  readonly history?: readonly GeoReportHistoryEntry[];
  readonly sla: GeoReportSla | null;
  /** Present when duplicate_of is set; null when the parent is not (or no longer) known. */
  readonly parent?: GeoReportParent | null;
}

export interface GeoReportHistoryEntry {
  readonly version: number;
  readonly lifecycle_state: TicketLifecycleState;
  readonly status: PublicStatus;
  readonly status_notes: string;
  readonly status_code: string;
  readonly updated_datetime: string | null;
}

export interface GeoReportSla {
  readonly response_due_datetime: string | null;
  readonly completion_due_datetime: string | null;
  readonly response_breached: boolean | null;
  readonly completion_breached: boolean | null;
  readonly paused: boolean | null;
}

export interface GeoReportParent {
  readonly service_request_id: string;
  readonly status: PublicStatus;
  readonly lifecycle_state: TicketLifecycleState;
  readonly status_notes: string;
}

export interface ServiceDefinition {
  readonly service_code: string;
  readonly service_name: string;
  readonly description: string;
  readonly group: string;
  readonly keywords?: readonly string[];
}

export interface GeoReportService {
  readonly service_code: string;
  readonly service_name: string;
  readonly description: string;
  readonly metadata: false;
  readonly type: 'realtime';
  readonly keywords: string | null;
  readonly group: string;
}

export interface GeoReportError {
  readonly code: number;
  readonly description: string;
}

export interface GeoReportContext {
  serviceName(serviceCode: string): string | undefined;
  /** Read at request time, so a duplicate shows its parent's status as it is now. */
  ticket(ticketId: string): PublicTicket | undefined;
  /** What the CRM published about the request: its name, kind and public location. */
  fact(ticketId: string): RequestFact | undefined;
  /** The zone in which the expected day is named (service_notice); UTC when not given. */
  readonly timeZone?: string;
}

/**
 * ISO 8601 in UTC at seconds precision, as in the GeoReport examples; null for an instant outside
 * the years 0000 to 9999. W3C date-time has four-digit years only: toISOString writes others as
 * +058857-…, which clients' parsers refuse (Python's fromisoformat raises), failing a whole search.
 */
export function isoDateTime(epochMs: number | null): string | null {
  if (epochMs === null || !Number.isFinite(epochMs)) return null;
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  return Number.isNaN(year) || year < 0 || year > 9999 ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The instant whose local date is the day the work is expected by. A completion target ends at the
 * end of its last day, the next day's local midnight: it is due on the day that ended, so the last
 * instant before it names the day (as the KPIs place it, docs/kpi.md R1); so does an imported
 * ticket's export due date, which is its completion target and judged as one. A department's date,
 * or a live CRM's (the request's fact), is the day they gave, and is taken as it is.
 */
export function expectedDay(ticket: PublicTicket, fact: RequestFact | undefined): number | null {
  const given = ticket.expectedAt ?? null;
  if (given !== null) return given;
  const due = ticket.sla?.completionDueAt ?? null;
  if (due !== null) return dueDayInstant(due);
  return fact?.crmDueAt ?? null;
}

/**
 * `full` for requests asked for by id; `summary` for a search, which leaves out `history`: up to a
 * thousand requests with up to 50 history entries each made a default search a 14 MB answer and
 * seconds of the thread every client shares. A client wanting a request's history asks for it.
 */
export type GeoReportDetail = 'full' | 'summary';

export function toGeoReport(
  ticket: PublicTicket,
  context: GeoReportContext,
  detail: GeoReportDetail = 'full',
): GeoReportRequest {
  const now = latest(ticket);
  const fact = context.fact(ticket.ticketId);
  const open = now.status === 'open';
  const expected = open ? (ticket.expectedAt ?? ticket.sla?.completionDueAt ?? fact?.crmDueAt ?? null) : null;
  const code = ticket.serviceCode ?? fact?.serviceCode ?? null;
  const kind = fact?.requestKind ?? null;
  const request: GeoReportRequest = {
    service_request_id: ticket.ticketId,
    status: now.status,
    status_notes: now.note,
    // The CRM's own name is the one the citizen saw when asking.
    service_name: fact?.serviceName ?? (code === null ? null : (context.serviceName(code) ?? null)),
    service_code: code,
    description: null,
    agency_responsible: ticket.agencyResponsible,
    service_notice: serviceNotice(ticket, kind, open ? expectedDay(ticket, fact) : null, context.timeZone ?? 'UTC'),
    requested_datetime: isoDateTime(ticket.requestedAt ?? (fact ? factRequestTime(fact) : null)),
    updated_datetime: isoDateTime(now.updatedAt),
    expected_datetime: isoDateTime(expected),
    address: fact?.location?.address ?? null,
    address_id: null,
    zipcode: null,
    lat: fact?.location?.latitude ?? null,
    long: fact?.location?.longitude ?? null,
    media_url: null,
    lifecycle_state: now.lifecycleState,
    status_code: now.statusCode,
    request_kind: kind === null ? null : kind === 'INFORMATION' ? 'information' : 'service',
    district: fact?.location?.district ?? null,
    closure_reason: ticket.closureReason,
    duplicate_of: ticket.duplicateOf,
    follow_up_of: ticket.followUpOf,
    ...(detail === 'full' && {
      history: ticket.history.map((h) => ({
        version: h.version,
        lifecycle_state: h.lifecycleState,
        status: h.status,
        status_notes: h.note,
        status_code: h.statusCode,
        updated_datetime: isoDateTime(h.updatedAt),
      })),
    }),
    sla: ticket.sla && {
      response_due_datetime: isoDateTime(ticket.sla.responseDueAt),
      completion_due_datetime: isoDateTime(ticket.sla.completionDueAt),
      response_breached: ticket.sla.responseBreached,
      completion_breached: ticket.sla.completionBreached,
      paused: ticket.sla.paused,
    },
  };
  if (ticket.duplicateOf === null) return request;
  return { ...request, parent: parentOf(ticket.duplicateOf, context) };
}

/**
 * A request the CRM has told about but the bridge has sent no status for, as the API shows it (and
 * the tracking page does): an information request, answered at first contact and never sent to a
 * department, is closed with no action required; a service request moments old is open and new.
 * Both were found on the page but not by the API, which read statuses only.
 */
export function receivedTicket(fact: RequestFact): PublicTicket {
  const info = fact.requestKind === 'INFORMATION';
  // As the processor will judge it: a CRM time in seconds gives way to the event's time.
  const requestedAt = factRequestTime(fact);
  return {
    ticketId: fact.ticketId,
    version: 0,
    serviceCode: fact.serviceCode,
    agencyResponsible: null,
    requestedAt,
    expectedAt: null,
    closureReason: info ? 'NO_ACTION_REQUIRED' : null,
    duplicateOf: null,
    followUpOf: null,
    sla: null,
    history: [
      {
        version: 0,
        lifecycleState: info ? 'RESOLVED' : 'NEW',
        status: info ? 'closed' : 'open',
        note: info
          ? 'This was a request for information, answered at first contact. No work is scheduled.'
          : 'Received; it will be sent to the department shortly.',
        statusCode: info ? 'ANSWERED' : 'RECEIVED',
        // The request time, the one change there has been; none known is NaN, which shows as null.
        updatedAt: requestedAt ?? Number.NaN,
      },
    ],
  };
}

/** GeoReport's service_notice: what the city will do about the request, in one sentence. */
function serviceNotice(
  ticket: PublicTicket,
  kind: RequestFact['requestKind'],
  expectedDay: number | null,
  zone: string,
): string | null {
  if (kind === 'INFORMATION') return 'Information request: answered at first contact; no work is scheduled.';
  if (ticket.duplicateOf !== null) return `Handled together with request ${ticket.duplicateOf}.`;
  if (ticket.followUpOf !== null) return `A follow-up to request ${ticket.followUpOf}.`;
  if (expectedDay === null) return null;
  // A day, not an instant: named in the city's zone, where its midnight is.
  const day = DateTime.fromMillis(expectedDay, { zone });
  return day.isValid && day.year >= 0 && day.year <= 9999
    ? `Expected to be done by ${day.toFormat('yyyy-MM-dd')}.`
    : null;
}

function parentOf(parentId: string, context: GeoReportContext): GeoReportParent | null {
  const parent = context.ticket(parentId);
  if (!parent) return null;
  const now = latest(parent);
  return {
    service_request_id: parent.ticketId,
    status: now.status,
    lifecycle_state: now.lifecycleState,
    status_notes: now.note,
  };
}

export function toGeoReportService(s: ServiceDefinition): GeoReportService {
  return {
    service_code: s.service_code,
    service_name: s.service_name,
    description: s.description,
    metadata: false,
    type: 'realtime',
    // GeoReport carries keywords as one comma-separated string.
    keywords: s.keywords && s.keywords.length > 0 ? s.keywords.join(', ') : null,
    group: s.group,
  };
}

export function geoReportError(code: number, description: string): GeoReportError[] {
  return [{ code, description }];
}
