import {
  geoReportError,
  toGeoReport,
  type GeoReportContext,
  type GeoReportRequest,
  type GeoReportService,
} from './georeport.ts';
import type { StatusProjection } from './projection.ts';

export const TICKET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The GeoReport search parameters this API deliberately does not offer. */
const SEARCH_PARAMS = ['start_date', 'end_date', 'status', 'service_code'] as const;

export interface RouteDeps {
  readonly projection: StatusProjection;
  readonly services: readonly GeoReportService[];
  readonly context: GeoReportContext;
  readonly jurisdictionId: string;
  readonly maxIdsPerRequest: number;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** For logs and metrics: the route without the id, never the raw path. */
  readonly template: string;
}

const ROUTES = [
  { pattern: /^\/requests\/([^/]+)\.(json|xml)$/, name: '/requests/{id}' },
  { pattern: /^\/requests\.(json|xml)$/, name: '/requests' },
  { pattern: /^\/services\.(json|xml)$/, name: '/services' },
] as const;

/** The route without the id, for logs: a ticket id never reaches a log line. */
export function templateOf(pathname: string): string {
  for (const { pattern, name } of ROUTES) {
    const match = pattern.exec(pathname);
    if (match) return `${name}.${match[match.length - 1] ?? ''}`;
  }
  return 'unmatched';
}

export function answer(url: URL, deps: RouteDeps): Answer {
  for (const { pattern, name } of ROUTES) {
    const match = pattern.exec(url.pathname);
    if (!match) continue;
    const format = match[match.length - 1];
    const template = `${name}.${format}`;
    const fail = (status: number, text: string): Answer => ({ status, body: geoReportError(status, text), template });
    if (format !== 'json') return fail(400, 'Only JSON is served: use the .json form of this URL.');
    const jurisdiction = url.searchParams.get('jurisdiction_id');
    if (jurisdiction !== null && jurisdiction !== deps.jurisdictionId) return fail(404, 'Unknown jurisdiction_id.');
    if (name === '/services') return { status: 200, body: deps.services, template };
    if (name === '/requests') return lookupMany(url.searchParams, deps, fail, template);
    return lookupOne(match[1] ?? '', deps, fail, template);
  }
  return { status: 404, body: geoReportError(404, 'No such resource.'), template: 'unmatched' };
}

type Fail = (status: number, text: string) => Answer;

function lookupOne(rawId: string, deps: RouteDeps, fail: Fail, template: string): Answer {
  const id = decodeId(rawId);
  if (id === null) return fail(404, 'Not a valid service_request_id.');
  const ticket = deps.projection.get(id);
  if (!ticket) return fail(404, `Service request ${id} was not found.`);
  return { status: 200, body: [toGeoReport(ticket, deps.context)], template };
}

function lookupMany(params: URLSearchParams, deps: RouteDeps, fail: Fail, template: string): Answer {
  const ids = [
    ...new Set(
      params
        .getAll('service_request_id')
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (ids.length === 0) {
    if (SEARCH_PARAMS.some((p) => params.has(p)))
      return fail(
        400,
        'This is a status lookup, not a search: only service_request_id is supported. ' +
          'Searching by start_date, end_date, status or service_code is not offered.',
      );
    return fail(400, 'service_request_id is required (one id, or several separated by commas).');
  }
  if (ids.length > deps.maxIdsPerRequest)
    return fail(400, `At most ${deps.maxIdsPerRequest} service_request_id values may be asked for at once.`);
  const found: GeoReportRequest[] = [];
  for (const id of ids) {
    const ticket = TICKET_ID_PATTERN.test(id) ? deps.projection.get(id) : undefined;
    if (ticket) found.push(toGeoReport(ticket, deps.context));
  }
  if (found.length === 0) return fail(404, 'None of the requested service requests was found.');
  return { status: 200, body: found, template };
}

function decodeId(raw: string): string | null {
  try {
    const id = decodeURIComponent(raw);
    return TICKET_ID_PATTERN.test(id) ? id : null;
  } catch {
    return null;
  }
}
