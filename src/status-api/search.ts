import { receivedTicket, toGeoReport, type GeoReportContext, type GeoReportRequest } from './georeport.ts';
import { given, listed } from './params.ts';
import { latest, type PublicStatus, type PublicTicket, type StatusProjection } from './projection.ts';
import { factRequestTime, type RequestFact } from './request-facts.ts';
import { lacksZone, parseW3cDateTime } from './w3c-date.ts';

/** GeoReport v2: a search spans at most 90 days, the most recent 90 when no date is given. */
export const SEARCH_WINDOW_MS = 90 * 86_400_000;
/** GeoReport v2 servers answer at most 1000 requests per search. */
export const MAX_SEARCH_RESULTS = 1000;

export interface Search {
  readonly from: number;
  /** Inclusive, as the spec's "latest datetime to include". */
  readonly to: number;
  readonly statuses: ReadonlySet<PublicStatus> | null;
  readonly serviceCodes: ReadonlySet<string> | null;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const fail = (error: string): Parsed<never> => ({ ok: false, error });

/**
 * A zone written `+02:00` (or `+0200`) in a query that was not percent-encoded (typed in a browser,
 * built by joining strings, sent with curl) reaches here as ` 02:00`: a form-encoded `+` is a
 * space. No date-time holds a space, so one right before a final hh:mm or hhmm can only have been
 * that `+`.
 */
const PLUS_AS_SPACE = / (\d{2}:?\d{2})$/;
/** A date without a time: as an end, the whole of that day (UTC), as people mean "up to the 4th". */
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

interface Instant {
  readonly at: number;
  /** The last millisecond the value covers: the end of the day for a bare date, else `at`. */
  readonly through: number;
}

function instant(name: string, text: string | null): Parsed<Instant | null> {
  if (text === null) return { ok: true, value: null };
  const repaired = text.replace(PLUS_AS_SPACE, '+$1');
  const ms = parseW3cDateTime(repaired);
  if (ms === null && lacksZone(repaired))
    return fail(
      `${name} needs a time zone, Z or an offset such as +02:00: without one, a date-time names a different instant in every zone.`,
    );
  if (ms === null) return fail(`${name} must be a W3C date-time such as 2010-01-01T00:00:00Z.`);
  return { ok: true, value: { at: ms, through: BARE_DATE.test(repaired) ? ms + DAY_MS - 1 : ms } };
}

function list(params: URLSearchParams, name: string): string[] | null {
  const values = listed(params, name);
  return values.length === 0 ? null : values;
}

/** The search the parameters ask for, with the spec's defaults, or why it cannot be run. */
export function parseSearch(params: URLSearchParams, now: number): Parsed<Search> {
  for (const single of ['start_date', 'end_date']) {
    if (given(params, single).length > 1) return fail(`${single} may be given once.`);
  }
  const start = instant('start_date', given(params, 'start_date')[0] ?? null);
  if (!start.ok) return start;
  const end = instant('end_date', given(params, 'end_date')[0] ?? null);
  if (!end.ok) return end;
  // The window is judged from the end as given (a bare end date's midnight), so that dates 90 days
  // apart stay a 90-day search; the end date's own day is then searched whole.
  let from: number;
  let to: number;
  let through: number;
  if (start.value !== null && end.value !== null)
    [from, to, through] = [start.value.at, end.value.at, end.value.through];
  else if (start.value !== null)
    [from, to, through] = [start.value.at, start.value.at + SEARCH_WINDOW_MS, start.value.at + SEARCH_WINDOW_MS];
  else if (end.value !== null) [from, to, through] = [end.value.at - SEARCH_WINDOW_MS, end.value.at, end.value.through];
  else [from, to, through] = [now - SEARCH_WINDOW_MS, now, now];
  // A bare end date is its whole day: one that starts before a start time on it still ends after.
  if (through < from) return fail('end_date must not be before start_date.');
  if (to - from > SEARCH_WINDOW_MS) return fail('A search may not span more than 90 days.');
  to = through;

  const statuses = list(params, 'status');
  if (statuses?.some((s) => s !== 'open' && s !== 'closed')) return fail('status must be open, closed or both.');
  const codes = list(params, 'service_code');
  return {
    ok: true,
    value: {
      from,
      to,
      statuses: statuses ? new Set(statuses as PublicStatus[]) : null,
      serviceCodes: codes ? new Set(codes) : null,
    },
  };
}

/**
 * The requests made in the window that match, newest first, at most MAX_SEARCH_RESULTS, each
 * without its history (GeoReportDetail): those with a status, and those the CRM told about that
 * have none yet. A scan of both: a month of a large city is some tens of thousands of tickets, well
 * within a request's budget, and it needs no second index to keep in step.
 */
export function runSearch(
  search: Search,
  projection: StatusProjection,
  context: GeoReportContext,
  facts: Iterable<RequestFact>,
): GeoReportRequest[] {
  const hits: { at: number; ticket: PublicTicket }[] = [];
  const consider = (ticket: PublicTicket) => {
    const fact = ticket.requestedAt === null ? context.fact(ticket.ticketId) : undefined;
    const at = ticket.requestedAt ?? (fact ? factRequestTime(fact) : null);
    if (at === null) return;
    // Compared as shown: requested_datetime is given to the second, so a request matches when the
    // second it shows meets the window. A client that searches up to (or from) a time it was
    // shown finds every request shown with that time, not only those made at its first millisecond.
    const second = Math.floor(at / 1000) * 1000;
    if (second + 999 < search.from || second > search.to) return;
    if (search.statuses && !search.statuses.has(latest(ticket).status)) return;
    const code = ticket.serviceCode ?? context.fact(ticket.ticketId)?.serviceCode ?? null;
    if (search.serviceCodes && (code === null || !search.serviceCodes.has(code))) return;
    hits.push({ at, ticket });
  };
  for (const ticket of projection.values()) consider(ticket);
  // Requests with no status yet (information requests, the newest service requests), as by id.
  for (const fact of facts) if (!projection.get(fact.ticketId)) consider(receivedTicket(fact));
  hits.sort((a, b) => b.at - a.at || a.ticket.ticketId.localeCompare(b.ticket.ticketId));
  return hits.slice(0, MAX_SEARCH_RESULTS).map(({ ticket }) => toGeoReport(ticket, context, 'summary'));
}
