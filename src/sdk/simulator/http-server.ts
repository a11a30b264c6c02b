import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { FaultInjector } from './faults.ts';
import { type FaultOutcome, type FaultSettings } from './faults.ts';

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly headers: IncomingMessage['headers'];
  /**
   * The request's place in the order the server took requests up (1, 2, …; see
   * SimulatorServer.arrivals): what a handler run later (a slow write) had not seen then.
   */
  readonly arrival: number;
}

export interface SimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  readonly method: string;
  readonly path: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: Handler;
  /** Admin routes bypass fault injection, so tests can always steer the simulator. */
  readonly admin: boolean;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A small JSON-over-HTTP server for simulators, on loopback, with fault injection in front of
 * every non-admin route and `/_sim/faults` to read or change the faults at run time.
 */
export class SimulatorServer {
  readonly faults: FaultInjector;
  /**
   * Calls per integration route, e.g. `PUT /api/v1/tickets/:id/status`, as an access log would
   * count them: how often the bridge called, faults and retries included.
   */
  readonly calls = new Map<string, number>();
  readonly #routes: Route[] = [];
  #server: Server | null = null;
  readonly #hanging = new Set<ServerResponse>();
  /** Slow writes under way (see settled()). */
  readonly #writing = new Set<Promise<unknown>>();
  #arrivals = 0;

  /** How many requests the server has taken up so far (see SimRequest.arrival). */
  get arrivals(): number {
    return this.#arrivals;
  }

  constructor(faults: FaultInjector) {
    this.faults = faults;
    this.route('GET', '/_sim/faults', () => ({ status: 200, body: this.faults.settings }), true);
    this.route('PUT', '/_sim/faults', (req) => ({ status: 200, body: this.faults.update(req.body) }), true);
    this.route('GET', '/_sim/health', () => ({ status: 200, body: { status: 'ok' } }), true);
  }

  route(method: string, path: string, handler: Handler, admin = false): void {
    this.#routes.push({ method, path, ...compile(path), handler, admin });
  }

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    const { port: bound } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${bound}`;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
    this.#server = null;
  }

  /**
   * The admin hooks every simulator offers for drift and silence scenarios, steerable over HTTP
   * like the faults: `DELETE /_sim/<items>/:ref` removes one item (its lookups then answer 404),
   * `PUT /_sim/feed {paused}` makes the change feed answer with nothing, and, where the system
   * can lose changes, `POST /_sim/lose-changes {count}` leaves the next ones out of its feed.
   */
  driftHooks(hooks: {
    readonly items: string;
    remove(ref: string): void;
    setFeedPaused(paused: boolean): void;
    feedPaused(): boolean;
    /** Loses the next `count` changes; returns how many are still to be lost. */
    loseNext?(count: number): number;
  }): void {
    this.route(
      'DELETE',
      `/_sim/${hooks.items}/:ref`,
      (r) => {
        hooks.remove(r.params['ref'] ?? '');
        return { status: 204 };
      },
      true,
    );
    this.route(
      'PUT',
      '/_sim/feed',
      (r) => {
        hooks.setFeedPaused(z.object({ paused: z.boolean() }).strict().parse(r.body).paused);
        return { status: 200, body: { paused: hooks.feedPaused() } };
      },
      true,
    );
    const lose = hooks.loseNext;
    if (!lose) return;
    const count = z.object({ count: z.number().int().min(1) }).strict();
    this.route(
      'POST',
      '/_sim/lose-changes',
      (r) => ({ status: 200, body: { pending: lose(count.parse(r.body).count) } }),
      true,
    );
  }

  setFaults(settings: Partial<FaultSettings>): void {
    this.faults.update(settings);
  }

  /**
   * Resolves once every slow write under way (slowWriteRate) has been carried out, answered or
   * not: what a test waits for before it counts what the system holds.
   */
  async settled(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all(this.#writing);
  }

  // Carried out after slowWriteMs, whether or not its caller still waits (unref: stop() need not wait).
  #slowly<T>(write: () => T | Promise<T>): Promise<T> {
    const done = new Promise((r) => setTimeout(r, this.faults.settings.slowWriteMs).unref()).then(write);
    const tracked: Promise<unknown> = done.then(
      () => this.#writing.delete(tracked),
      () => this.#writing.delete(tracked),
    );
    this.#writing.add(tracked);
    return done;
  }

  // The write has taken; its answer comes after the client gave up (stop() cuts it short).
  #answerLate(res: ServerResponse, out: SimResponse): void {
    this.#hanging.add(res);
    setTimeout(() => {
      this.#hanging.delete(res);
      if (!res.destroyed && !res.writableEnded) send(res, out);
    }, this.faults.settings.lateAnswerMs).unref();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = this.#routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    if (!route) return send(res, { status: 404, body: { error: `no route ${req.method} ${url.pathname}` } });
    // What the handler's answer turns into once it has run (a write fault).
    let afterwards: FaultOutcome['kind'] = 'pass';
    if (!route.admin) {
      const call = `${route.method} ${route.path}`;
      this.calls.set(call, (this.calls.get(call) ?? 0) + 1);
      const delay = this.faults.delayMs();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const fault = this.faults.next(route.method);
      switch (fault.kind) {
        case 'outage':
          return send(res, { status: 503, body: { error: 'service unavailable (outage)' } });
        case 'error':
          return send(res, { status: 500, body: { error: 'internal error (injected)' } });
        case 'throttle':
          return send(res, { status: 429, body: { error: 'too many requests' }, headers: { 'retry-after': '1' } });
        case 'timeout':
          // Never answers; the client's own timeout has to fire. Cleaned up on stop().
          this.#hanging.add(res);
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"truncated": ');
          return;
        case 'proxy-page':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<!DOCTYPE html><html><body><h1>Request blocked</h1>Support ID 1234</body></html>');
          return;
        case 'no-content':
        case 'late':
        case 'slow':
        case 'pass':
          afterwards = fault.kind;
          break;
      }
    }
    // Taken up now, after the network's delay and any fault; a slow write's save comes later still.
    const arrival = ++this.#arrivals;
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, { status: 400, body: { error: 'request body is not JSON' } });
      }
    }
    const match = route.pattern.exec(url.pathname);
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(match?.[i + 1] ?? '')));
    const handle = () =>
      route.handler({
        method: req.method ?? 'GET',
        path: url.pathname,
        params,
        query: url.searchParams,
        body,
        headers: req.headers,
        arrival,
      });
    try {
      const out = await (afterwards === 'slow' ? this.#slowly(handle) : handle());
      // A slow write's caller may have given up: the write took, its answer goes nowhere.
      if (res.destroyed) return;
      // Carried out all the same: only the answer is empty, as a 204 from a real server.
      if (afterwards === 'no-content' && out.status >= 200 && out.status < 300) return send(res, { status: 204 });
      if (afterwards === 'late') return this.#answerLate(res, out);
      send(res, out);
    } catch (err) {
      if (err instanceof HttpError) return send(res, { status: err.status, body: { error: err.message } });
      if (err instanceof z.ZodError) {
        return send(res, {
          status: 422,
          body: { error: 'invalid request', issues: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        });
      }
      send(res, { status: 500, body: { error: `simulator bug: ${String(err)}` } });
    }
  }
}

function send(res: ServerResponse, out: SimResponse): void {
  res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
  res.end(out.body === undefined ? '' : JSON.stringify(out.body));
}
