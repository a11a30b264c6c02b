import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import { answerClientError, SocketsInUse } from './client-error.ts';
import { ALLOWED_METHODS, preflight, type Preflight } from './cors.ts';
import { toGeoReportService, type ServiceDefinition } from './georeport.ts';
import type { StatusProjection } from './projection.ts';
import { ClientRateLimiter, clientKey, type RateLimitOptions } from './rate-limit.ts';
import { COMMON_HEADERS, CONTENT_TYPES } from './headers.ts';
import { RequestFacts } from './request-facts.ts';
import { requestUrl } from '../observability/request-url.ts';
import { answer, errorAnswer, formatOf, isMachinePath, templateOf, type Answer, type RouteDeps } from './routes.ts';
import { toXml } from './xml.ts';

export interface StatusApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly projection: StatusProjection;
  readonly services: readonly ServiceDefinition[];
  readonly jurisdictionId: string;
  /** null turns rate limiting off (e.g. when a gateway in front already limits). */
  readonly rateLimit: RateLimitOptions | null;
  /** Count clients by the last X-Forwarded-For hop, which the proxy in front appends; only behind one. */
  readonly trustProxy?: boolean;
  readonly maxIdsPerRequest?: number;
  /** The CRM's public facts (service names, locations); without them those fields are null. */
  readonly facts?: RequestFacts;
  /** The API's address as published in discovery; else this server's own, from the Host header. */
  readonly publicUrl?: string | null;
  /** Discovery's contact line. */
  readonly contact?: string;
  /** The city's zone, in which service_notice names the day a request is expected by; UTC when absent. */
  readonly timeZone?: string;
  /** For the search's default window; tests fix it. */
  readonly now?: () => number;
  /**
   * Web pages served beside the API (closeloop public). Asked for every path that is not an API
   * route; null means "not mine", and the API's 404 follows.
   */
  readonly site?: SiteHandler;
  readonly logger?: Pick<Logger, 'info' | 'error'>;
}

export interface SitePage {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** For logs: the page's route without ids. */
  readonly template: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type SiteHandler = (url: URL) => SitePage | null;

/** The date this API's shape last changed, as discovery's changeset. */
const CHANGESET = '2026-11-30T00:00:00Z';
const HOST_PATTERN = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:]+\](?::\d{1,5})?$/;

/**
 * As many ids as a URL holds: FixMyStreet (Open311::GetUpdates) asks for every open report of a
 * body in one call, so a cap below a body's open reports failed its every run. Longer URLs meet
 * Node's 16 KiB header limit (414) first. The search's cap too (MAX_SEARCH_RESULTS).
 */
export const DEFAULT_MAX_IDS_PER_REQUEST = 1000;

/**
 * A plain page for a person the server refuses or fails before any of the site's pages is made:
 * not the site's templates, which may be what failed, and nothing that costs more than a JSON
 * error (a client over its rate limit is still sent it). The text is fixed, never the request's.
 */
function plainPage(status: number, template: string, heading: string, message: string): SitePage {
  return {
    status,
    template,
    contentType: 'text/html; charset=utf-8',
    headers: { 'content-security-policy': "default-src 'none'", 'referrer-policy': 'no-referrer' },
    body:
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${heading}</title></head>` +
      `<body><h1>${heading}</h1><p>${message}</p><p><a href="/">Go to the home page</a></p></body></html>`,
  };
}

const PAGE_FAILED = plainPage(
  500,
  'unmatched',
  'Something went wrong',
  'This page could not be shown. Please try again later.',
);

/**
 * The read-only, Open311 GeoReport v2 compatible public status lookup (DESIGN.md §5), answered
 * from the in-memory projection. Logs carry method, route template and status, never a ticket.
 */
export class StatusApiServer {
  readonly #o: StatusApiServerOptions;
  readonly #deps: RouteDeps;
  readonly #limiter: ClientRateLimiter | null;
  #server: Server | null = null;

  constructor(options: StatusApiServerOptions) {
    const maxIds = options.maxIdsPerRequest ?? DEFAULT_MAX_IDS_PER_REQUEST;
    if (!Number.isInteger(maxIds) || maxIds < 1) throw new RangeError('maxIdsPerRequest must be ≥ 1');
    this.#o = options;
    this.#limiter = options.rateLimit ? new ClientRateLimiter(options.rateLimit) : null;
    const names = new Map(options.services.map((s) => [s.service_code, s.service_name]));
    const projection = options.projection;
    const facts = options.facts ?? new RequestFacts();
    // The CRM's name for a service wins over the one derived from the routing table.
    const serviceName = (code: string) => facts.serviceName(code) ?? names.get(code);
    this.#deps = {
      projection,
      facts: () => facts.values(),
      services: () =>
        options.services.map((s) =>
          toGeoReportService({ ...s, service_name: serviceName(s.service_code) ?? s.service_name }),
        ),
      context: {
        serviceName,
        ticket: (id) => projection.get(id),
        fact: (id) => facts.get(id),
        timeZone: options.timeZone ?? 'UTC',
      },
      jurisdictionId: options.jurisdictionId,
      maxIdsPerRequest: maxIds,
      now: options.now ?? Date.now,
      discovery: (origin) => {
        const url = options.publicUrl ?? origin;
        return {
          changeset: CHANGESET,
          contact: options.contact ?? "The city's 311 service.",
          key_service: 'No key is needed: this API is read-only.',
          endpoints: [
            {
              specification: 'http://wiki.open311.org/GeoReport_v2',
              url,
              changeset: CHANGESET,
              type: 'production',
              formats: ['text/xml', 'application/json'],
            },
          ],
        };
      },
    };
  }

  async start(): Promise<string> {
    const inUse = new SocketsInUse();
    // A request without Host is refused here, in GeoReport format (see #answer), not by Node's
    // bare status line.
    const server = createServer({ requireHostHeader: false }, (req, res) => {
      inUse.add(req.socket, res);
      this.#handle(req, res).catch((err: unknown) => {
        this.#o.logger?.error({ err }, 'status api request failed');
        // In the URL's format: an XML client fed JSON reads nothing, not even that it failed; a
        // person on one of the site's pages reads a page.
        const path = requestUrl(req.url ?? '/', 'http://status-api')?.pathname ?? '/';
        const template = templateOf(path);
        if (res.headersSent) res.destroy();
        else if (this.#o.site && template === 'unmatched' && !isMachinePath(path)) sendPage(req, res, PAGE_FAILED);
        else send(req, res, errorAnswer(500, 'Internal error.', template, formatOf(path)));
      });
    });
    // Node's own answer to a request it cannot parse (a URL past the header limit, say) is a bare
    // status line, without a body or CORS, which a web page cannot even read.
    server.on('clientError', (err: Error, socket) => answerClientError(err, socket, inUse));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.#o.host.includes(':') ? `[${this.#o.host}]` : this.#o.host;
    return `http://${host}:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const result = await this.#answer(req, res);
    if ('contentType' in result) sendPage(req, res, result);
    else if ('preflight' in result) sendPreflight(res, result);
    else send(req, res, result);
    this.#o.logger?.info({ method: req.method, route: result.template, status: result.status }, 'status api request');
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<Answer | SitePage | Preflight> {
    const host = req.headers.host ?? '';
    const base = HOST_PATTERN.test(host) ? `http://${host}` : 'http://status-api';
    const url = requestUrl(req.url ?? '/', base);
    const template = url ? templateOf(url.pathname) : 'unmatched';
    const format = url ? formatOf(url.pathname) : 'json';
    // A person on one of the site's pages is refused with a page, a program with GeoReport's error;
    // the status and headers (Retry-After, Allow) are the same either way.
    const onPage = !!this.#o.site && url !== null && template === 'unmatched' && !isMachinePath(url.pathname);
    const refuse = (status: number, text: string, heading: string, words: string): Answer | SitePage =>
      onPage ? plainPage(status, template, heading, words) : errorAnswer(status, text, template, format);
    // HTTP/1.1 requires Host (RFC 9112 §3.2); HTTP/1.0 clients may leave it out.
    if (req.headers.host === undefined && req.httpVersion !== '1.0') {
      const text = 'An HTTP/1.1 request needs a Host header.';
      return refuse(400, text, 'Bad request', 'Your browser sent a request this site cannot read.');
    }
    // A browser's preflight is answered whatever the client's count, and not counted: a 429
    // without the allow headers fails the page's GET as a CORS error, hiding the Retry-After
    // that GET's own 429 would give its script. The answer is fixed and costs nothing to send.
    if (req.method === 'OPTIONS') return preflight(req, template);
    if (this.#limiter) {
      const verdict = await this.#limiter.take(clientKey(req, this.#o.trustProxy ?? false));
      res.setHeader('x-ratelimit-limit', String(verdict.limit));
      res.setHeader('x-ratelimit-remaining', String(verdict.remaining));
      if (!verdict.allowed) {
        res.setHeader('retry-after', String(verdict.retryAfterSeconds));
        const text = `Too many requests: try again in ${verdict.retryAfterSeconds} s.`;
        const wait = `Too many pages were asked for from your connection. Please try again in ${verdict.retryAfterSeconds} seconds.`;
        return refuse(429, text, 'Please wait a moment', wait);
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', ALLOWED_METHODS);
      const text = 'This API is read-only: only GET, HEAD and OPTIONS are allowed.';
      return refuse(405, text, 'This page cannot be changed', 'Pages on this site can only be read.');
    }
    if (!url) return errorAnswer(400, 'Malformed URL.', template, format);
    if (this.#o.site && template === 'unmatched') {
      const page = this.#o.site(url);
      if (page) return page;
    }
    return answer(url, this.#deps);
  }
}

function send(req: IncomingMessage, res: ServerResponse, a: Answer): void {
  const text = a.format === 'xml' ? toXml(a.root, a.body) : JSON.stringify(a.body);
  res.writeHead(a.status, {
    ...COMMON_HEADERS,
    'content-type': CONTENT_TYPES[a.format],
    'content-length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function sendPage(req: IncomingMessage, res: ServerResponse, p: SitePage): void {
  res.writeHead(p.status, {
    ...COMMON_HEADERS,
    ...p.headers,
    'content-type': p.contentType,
    'content-length': Buffer.byteLength(p.body),
  });
  res.end(req.method === 'HEAD' ? undefined : p.body);
}

// A 204 has no body, so no Content-Type or Content-Length either.
function sendPreflight(res: ServerResponse, p: Preflight): void {
  res.writeHead(p.status, { ...COMMON_HEADERS, ...p.headers });
  res.end();
}
