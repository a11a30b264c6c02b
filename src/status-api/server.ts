import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import { geoReportError, toGeoReportService, type ServiceDefinition } from './georeport.ts';
import type { StatusProjection } from './projection.ts';
import { ClientRateLimiter, clientKey, type RateLimitOptions } from './rate-limit.ts';
import { answer, templateOf, type Answer, type RouteDeps } from './routes.ts';

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
  readonly logger?: Pick<Logger, 'info' | 'error'>;
}

export const DEFAULT_MAX_IDS_PER_REQUEST = 50;

const ALLOWED_METHODS = 'GET, HEAD';

// Statuses change at any moment and the data is public and read-only.
const COMMON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'access-control-allow-origin': '*',
  'x-content-type-options': 'nosniff',
} as const;

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
    this.#deps = {
      projection,
      services: options.services.map(toGeoReportService),
      context: { serviceName: (code) => names.get(code), ticket: (id) => projection.get(id) },
      jurisdictionId: options.jurisdictionId,
      maxIdsPerRequest: maxIds,
    };
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#o.logger?.error({ err }, 'status api request failed');
        if (!res.headersSent) send(req, res, 500, geoReportError(500, 'Internal error.'));
        else res.destroy();
      });
    });
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
    send(req, res, result.status, result.body);
    this.#o.logger?.info({ method: req.method, route: result.template, status: result.status }, 'status api request');
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<Answer> {
    const url = URL.parse(req.url ?? '/', 'http://status-api');
    const template = url ? templateOf(url.pathname) : 'unmatched';
    if (this.#limiter) {
      const verdict = await this.#limiter.take(clientKey(req, this.#o.trustProxy ?? false));
      res.setHeader('x-ratelimit-limit', String(verdict.limit));
      res.setHeader('x-ratelimit-remaining', String(verdict.remaining));
      if (!verdict.allowed) {
        res.setHeader('retry-after', String(verdict.retryAfterSeconds));
        const text = `Too many requests: try again in ${verdict.retryAfterSeconds} s.`;
        return { status: 429, body: geoReportError(429, text), template };
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', ALLOWED_METHODS);
      const text = 'This API is read-only: only GET and HEAD are allowed.';
      return { status: 405, body: geoReportError(405, text), template };
    }
    if (!url) return { status: 400, body: geoReportError(400, 'Malformed URL.'), template };
    return answer(url, this.#deps);
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}
