import {
  geoReportError,
  receivedTicket,
  toGeoReport,
  type GeoReportContext,
  type GeoReportRequest,
  type GeoReportService,
} from './georeport.ts';
import { ticketIdFault } from '../domain/identifiers.ts';
import { given, listed } from './params.ts';
import type { PublicTicket, StatusProjection } from './projection.ts';
import type { RequestFact } from './request-facts.ts';
import { parseSearch, runSearch } from './search.ts';

export type Format = 'json' | 'xml';

export interface Discovery {
  readonly changeset: string;
  readonly contact: string;
  readonly key_service: string;
  readonly endpoints: readonly {
    readonly specification: string;
    readonly url: string;
    readonly changeset: string;
    readonly type: 'production' | 'test';
    readonly formats: readonly string[];
  }[];
}

export interface RouteDeps {
  readonly projection: StatusProjection;
  /** The CRM's facts: requests it told about that have no status yet are answered from them. */
  facts(): Iterable<RequestFact>;
  /** Read per request: the CRM may name a service after the server started. */
  services(): readonly GeoReportService[];
  readonly context: GeoReportContext;
  readonly jurisdictionId: string;
  readonly maxIdsPerRequest: number;
  discovery(origin: string): Discovery;
  now(): number;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** For logs and metrics: the route without the id, never the raw path. */
  readonly template: string;
  readonly format: Format;
  /** The XML root element; lists are wrapped in it, one child per item. */
  readonly root: string;
}

const ROUTES = [
  // An empty id is still this route: the client asked for one request, and is told it gave none.
  { pattern: /^\/requests\/([^/]*)\.(json|xml)$/, name: '/requests/{id}' },
  { pattern: /^\/requests\.(json|xml)$/, name: '/requests' },
  { pattern: /^\/services\/([^/]+)\.(json|xml)$/, name: '/services/{code}' },
  { pattern: /^\/services\.(json|xml)$/, name: '/services' },
  { pattern: /^\/discovery\.(json|xml)$/, name: '/discovery' },
] as const;

/** The route without the id, for logs: a ticket id never reaches a log line. */
export function templateOf(pathname: string): string {
  for (const { pattern, name } of ROUTES) {
    const match = pattern.exec(pathname);
    if (match) return `${name}.${match[match.length - 1] ?? ''}`;
  }
  return 'unmatched';
}

/**
 * A path a program asked for, not a person: it ends in `.json` or `.xml`, in any case, with or
 * without a trailing slash (`/requests.JSON`, `/requests.json/`). Its errors are GeoReport's, in
 * that format, even where the public site answers other paths with pages.
 */
export function isMachinePath(pathname: string): boolean {
  return /\.(json|xml)\/*$/i.test(pathname);
}

/** The format a path asks for: the extension, JSON when it has none. */
export function formatOf(pathname: string): Format {
  return /\.xml\/*$/i.test(pathname) ? 'xml' : 'json';
}

export function errorAnswer(status: number, text: string, template: string, format: Format): Answer {
  return { status, body: geoReportError(status, text), template, format, root: 'errors' };
}

export function answer(url: URL, deps: RouteDeps): Answer {
  for (const { pattern, name } of ROUTES) {
    const match = pattern.exec(url.pathname);
    if (!match) continue;
    const format = match[match.length - 1] === 'xml' ? 'xml' : 'json';
    const template = `${name}.${format}`;
    const fail: Fail = (status, text) => errorAnswer(status, text, template, format);
    const ok = (body: unknown, root: string): Answer => ({ status: 200, body, template, format, root });
    const jurisdictions = given(url.searchParams, 'jurisdiction_id');
    // Two values could mean two cities; answering for either would be a guess.
    if (jurisdictions.length > 1) return fail(400, 'jurisdiction_id may be given once.');
    // Clients differ in case (`YEG`, `yeg`), and jurisdiction ids are domain-like names.
    if (jurisdictions.length === 1 && !sameJurisdiction(jurisdictions[0] ?? '', deps.jurisdictionId))
      return fail(404, 'Unknown jurisdiction_id.');
    switch (name) {
      case '/discovery':
        return ok(deps.discovery(url.origin), 'discovery');
      case '/services':
        return ok(deps.services(), 'services');
      case '/services/{code}': {
        const code = safeDecode(match[1] ?? '');
        const known = code !== null && deps.services().some((s) => s.service_code === code);
        // Every service has metadata false: its definition has no attributes to fill in.
        if (!known) return fail(404, 'No such service_code.');
        return ok({ service_code: code, attributes: [] }, 'service_definition');
      }
      case '/requests':
        return lookupMany(url.searchParams, deps, fail, ok);
      case '/requests/{id}':
        return lookupOne(match[1] ?? '', deps, fail, ok);
    }
  }
  return errorAnswer(404, 'No such resource.', 'unmatched', formatOf(url.pathname));
}

type Fail = (status: number, text: string) => Answer;
type Ok = (body: unknown, root: string) => Answer;

/**
 * The id is the path segment before the last `.json` or `.xml`, percent-decoded and taken as it
 * is: `encodeURIComponent(id)` in the path finds any id the bridge holds, `/`, `?`, `#`, `%`, `+`,
 * spaces and a `.json` of its own included. A malformed one (a broken escape, or what the processor
 * would never take as a ticket id) is the client's error, a 400; a well-formed unknown one a 404.
 * Neither answer echoes the id.
 */
function lookupOne(rawId: string, deps: RouteDeps, fail: Fail, ok: Ok): Answer {
  const id = safeDecode(rawId);
  if (id === null || ticketIdFault(id) !== null) return fail(400, 'Not a valid service_request_id.');
  const ticket = known(id, deps);
  if (!ticket) return fail(404, 'No service request has that service_request_id.');
  return ok([toGeoReport(ticket, deps.context)], 'service_requests');
}

/** Up to this many ids, each request is answered with its history; more, without (as a search). */
export const FULL_DETAIL_IDS = 50;

/**
 * Ids are comma-separated and trimmed, as GeoReport v2 lists them: an id holding a comma, or
 * beginning or ending with a space, can be looked up by path only.
 */
function lookupMany(params: URLSearchParams, deps: RouteDeps, fail: Fail, ok: Ok): Answer {
  // An empty service_request_id is no id at all: the request is a search.
  const ids = [...new Set(listed(params, 'service_request_id'))];
  if (ids.length === 0) {
    const search = parseSearch(params, deps.now());
    if (!search.ok) return fail(400, search.error);
    return ok(runSearch(search.value, deps.projection, deps.context, deps.facts()), 'service_requests');
  }
  // The spec: service_request_id overrides every other parameter.
  if (ids.length > deps.maxIdsPerRequest)
    return fail(400, `At most ${deps.maxIdsPerRequest} service_request_id values may be asked for at once.`);
  // One that can never be an id is a client's mistake to tell it about, not an unknown request.
  if (ids.some((id) => ticketIdFault(id) !== null)) return fail(400, 'Not a valid service_request_id.');
  // A long list is a client keeping its copies current (FixMyStreet's updates fetch), answered as
  // a search is: up to a thousand histories would make answers of megabytes.
  const detail = ids.length > FULL_DETAIL_IDS ? 'summary' : 'full';
  const found: GeoReportRequest[] = [];
  for (const id of ids) {
    const ticket = known(id, deps);
    if (ticket) found.push(toGeoReport(ticket, deps.context, detail));
  }
  if (found.length === 0) return fail(404, 'None of the requested service requests was found.');
  return ok(found, 'service_requests');
}

/** The ticket's status, else what the CRM said about it (as the tracking page shows it). */
function known(id: string, deps: RouteDeps): PublicTicket | undefined {
  const ticket = deps.projection.get(id);
  if (ticket) return ticket;
  const fact = deps.context.fact(id);
  return fact ? receivedTicket(fact) : undefined;
}

function sameJurisdiction(given: string, configured: string): boolean {
  return given.toLowerCase() === configured.toLowerCase();
}

/** A path segment decoded; null for a malformed escape, which names nothing. */
export function safeDecode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
