import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { CloseloopError } from '../errors/index.ts';
import { requestUrl } from './request-url.ts';

export interface Readiness {
  readonly ready: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  /** The worker's Metrics, or another process's registry (the status API has its own). */
  readonly metrics: { readonly registry: Registry };
  /** The exposition text, when it is more than the registry's own (a threaded processor's). */
  metricsText?(): Promise<string>;
  /** The config key of the port, named when the port is taken (default http.port). */
  readonly portKey?: string;
  /** Admin endpoints are refused (403) when no token is configured. */
  readonly adminToken?: string | undefined;
  readiness(): Readiness | Promise<Readiness>;
  /**
   * Refreshes gauges that are read from elsewhere (runner states, consumer lag). Should not
   * throw; if it does, the scrape still answers with what the registry holds.
   */
  beforeScrape?(): Promise<void>;
  onScrapeError?(err: unknown): void;
  /** A request that failed unexpectedly (answered 500 without the error's text); for the log. */
  onRequestError?(err: unknown, path: string): void;
  /** Without them (a process with no connectors) the admin endpoints are not served. */
  pause?(connector: string): AdminAnswer | AdminOutcome | boolean;
  resume?(connector: string): AdminAnswer | AdminOutcome | boolean;
  /** Sources with a webhook doorbell: the bearer token each one's system sends, by connector. */
  readonly webhooks?: ReadonlyMap<string, string>;
  /** Rings a source's doorbell; false when the connector has no source. */
  wake?(connector: string): boolean;
}

/**
 * What an admin pause or resume did: changed the connector, found it so already, found none, or
 * found it running on another worker only (a source this worker stands by for).
 */
export type AdminOutcome = 'changed' | 'unchanged' | 'unknown' | 'elsewhere';

/** An outcome with what the operator must know beside it (a part of the connector not running here). */
export interface AdminAnswer {
  readonly outcome: AdminOutcome;
  readonly note?: string;
}

const adminOutcome = (said: AdminOutcome | boolean): AdminOutcome =>
  said === true ? 'changed' : said === false ? 'unknown' : said;

/** A doorbell carries no data; anything bigger than a small JSON note is not one. */
const WEBHOOK_MAX_BYTES = 4_096;

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** How long a stop lets a request in progress finish before its connection is ended. */
export const STOP_GRACE_MS = 2_000;

/**
 * /metrics (Prometheus), /health/live, /health/ready, and the admin endpoints
 * POST /admin/connectors/<name>/pause|resume behind a bearer token from the environment, and
 * POST /hooks/<name>, a source's webhook doorbell, behind that connector's own webhook token.
 * Nothing served here carries citizen data, and no metric label a ticket id; readiness names the
 * tickets of open alerts, for the operator who must act on them.
 */
export class OpsServer {
  readonly #o: OpsServerOptions;
  #server: Server | null = null;

  constructor(options: OpsServerOptions) {
    this.#o = options;
  }

  /** Binds the port, or fails with CL_OPS_PORT_IN_USE naming host:port when it is taken. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#o.onRequestError?.(err, req.url ?? '/');
        // Begun already: nothing can be added to the answer but its end.
        if (res.headersSent) res.destroy();
        else send(res, 500, { error: 'internal error; the worker log has it' });
      });
    });
    const where = `${this.#o.host}:${this.#o.port}`;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new CloseloopError(
                'CL_OPS_PORT_IN_USE',
                `ops server cannot listen on ${where}: the address is in use (another closeloop process?); free it or change ${this.#o.portKey ?? 'http.port'}`,
                { cause: err, details: { host: this.#o.host, port: this.#o.port } },
              )
            : err,
        );
      });
      server.listen(this.#o.port, this.#o.host, () => resolve());
    });
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    return `http://${this.#o.host}:${port}`;
  }

  /**
   * Stops listening, and ends what connections are left: idle ones at once, and after
   * STOP_GRACE_MS those still in a request. close() alone waits for every connection, so one
   * stalled scrape or half-sent probe held up the process's whole stop for as long as it liked.
   */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const late = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    try {
      await closed;
    } finally {
      clearTimeout(late);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A target that is no path is the client's fault, not the server's: 400, and no error logged.
    const url = requestUrl(req.url ?? '/', 'http://ops');
    if (url === null) return send(res, 400, { error: 'the request target is not a path' });
    // HEAD is GET without the body (Node sends none), as HTTP says; some probes check with it.
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && url.pathname === '/metrics') {
      try {
        await this.#o.beforeScrape?.();
      } catch (err) {
        this.#o.onScrapeError?.(err);
      }
      // Rendered before anything is sent: a render that fails must not find the answer begun.
      let text: string;
      try {
        text = await (this.#o.metricsText ? this.#o.metricsText() : this.#o.metrics.registry.metrics());
      } catch (err) {
        // What the process holds itself (a thread that did not answer is left out), not a 500.
        this.#o.onScrapeError?.(err);
        text = await this.#o.metrics.registry.metrics();
      }
      res.writeHead(200, { 'content-type': this.#o.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (read && url.pathname === '/health/live') return send(res, 200, { status: 'live' });
    if (read && url.pathname === '/health/ready') {
      const r = await this.#o.readiness();
      return send(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.detail });
    }
    const admin = /^\/admin\/connectors\/([^/]+)\/(pause|resume)$/.exec(url.pathname);
    const { pause, resume } = this.#o;
    if (req.method === 'POST' && admin && pause && resume) {
      if (!this.#o.adminToken) return send(res, 403, { error: 'admin endpoints are off: set CLOSELOOP_ADMIN_TOKEN' });
      if (!tokenMatches(req.headers.authorization, this.#o.adminToken))
        return send(res, 401, { error: 'missing or wrong bearer token' });
      const [, name = '', action] = admin;
      const said = action === 'pause' ? pause(name) : resume(name);
      const { outcome, note } = typeof said === 'object' ? said : { outcome: adminOutcome(said), note: undefined };
      if (outcome === 'unknown') return send(res, 404, { error: `no connector ${name}` });
      if (outcome === 'elsewhere') return send(res, 409, { error: note ?? `${name} does not run on this worker` });
      // A repeat is answered as such: `changed` false says it was paused (or running) already.
      return send(res, 200, { connector: name, action, changed: outcome === 'changed', ...(note ? { note } : {}) });
    }
    const hook = /^\/hooks\/([a-z0-9][a-z0-9-]{0,62})$/.exec(url.pathname);
    if (req.method === 'POST' && hook) return this.#doorbell(req, res, hook[1] ?? '');
    // A path served with another method is 405 naming it, as HTTP says; an unknown path is 404.
    const allowed = allowedMethod(url.pathname, pause !== undefined && resume !== undefined);
    if (allowed !== null && allowed !== req.method) {
      const methods = allowed === 'GET' ? 'GET, HEAD' : allowed;
      res.setHeader('allow', methods);
      return send(res, 405, { error: `${url.pathname} takes ${methods}, not ${req.method ?? ''}` });
    }
    send(res, 404, { error: `no route ${req.method ?? ''} ${url.pathname}` });
  }

  // The webhook only says "something changed": the source then polls, and what the poll reads is
  // what gets published. So the body is not trusted for anything, only bounded and checked.
  async #doorbell(req: IncomingMessage, res: ServerResponse, connector: string): Promise<void> {
    const token = this.#o.webhooks?.get(connector);
    if (token === undefined) return send(res, 404, { error: `no webhook for ${connector}` });
    if (!tokenMatches(req.headers.authorization, token))
      return send(res, 401, { error: 'missing or wrong bearer token' });
    const body = await readBounded(req, WEBHOOK_MAX_BYTES);
    if (body === null) {
      // Not read to its end: the answer closes the connection, and the rest is never taken in.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.destroy());
      return send(res, 413, { error: `a webhook body is at most ${WEBHOOK_MAX_BYTES} bytes` });
    }
    if (body.length > 0 && !isJsonObject(body))
      return send(res, 400, { error: 'the body must be empty or a JSON object' });
    if (!this.#o.wake?.(connector)) return send(res, 404, { error: `no source ${connector}` });
    send(res, 202, { connector, polling: true });
  }
}

/**
 * The request body, or null as soon as it passes `max` bytes (a Content-Length above it says so
 * before anything is read): reading is then stopped, not carried on to the end.
 */
function readBounded(req: IncomingMessage, max: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function allowedMethod(pathname: string, admin: boolean): 'GET' | 'POST' | null {
  if (['/metrics', '/health/live', '/health/ready'].includes(pathname)) return 'GET';
  if (/^\/hooks\/[^/]+$/.test(pathname)) return 'POST';
  if (admin && /^\/admin\/connectors\/[^/]+\/(pause|resume)$/.test(pathname)) return 'POST';
  return null;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
