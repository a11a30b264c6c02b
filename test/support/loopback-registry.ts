import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AvroSerde } from '../../src/messaging/index.ts';
import type { Cleanup } from './cleanup.ts';

/**
 * The part of the Confluent schema-registry API that AvroSerde's client uses (register, look up
 * by id and by subject, per-subject compatibility level), and the subject list the readiness
 * probe asks for, on loopback, so unit tests run the real serde against real HTTP without a
 * registry. Schemas are kept as text and given ids in order; the same text under any subject
 * keeps its id, as the real registries do. Every new version is declared compatible:
 * compatibility itself is the contract tests' business, on Apicurio.
 */
export class LoopbackRegistry {
  readonly #schemas: string[] = [];
  readonly #subjects = new Map<string, number[]>();
  readonly #levels = new Map<string, string>();
  #server: Server | null = null;
  /** When set, every request is answered 503, as a registry that is down. */
  down = false;
  /** When set, every request is answered with this status, as a registry refusing credentials (401, 403). */
  refuse: number | null = null;
  /**
   * When set, every request is answered 404 with this body, as a reverse proxy with no route to
   * the registry answers while its container restarts (Traefik: `404 page not found`, text/plain).
   */
  proxy404: { readonly type: string; readonly body: string } | null = null;
  /** When set (`user:password`), a request without that basic auth is answered 401, as a registry behind auth. */
  basicAuth: string | null = null;
  /** The next this many requests are taken and never answered, as a registry that stalls. */
  stallNext = 0;
  /** While set, every request is taken and never answered, as a registry that stalls for a while. */
  stalled = false;
  /** Requests received, the stalled ones included. */
  requests = 0;

  /** The subjects registered so far. */
  subjects(): string[] {
    return [...this.#subjects.keys()];
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A stalled request's socket is never answered: close() alone would wait for it for good.
    server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    if (this.stalled) return;
    if (this.stallNext > 0) {
      this.stallNext -= 1;
      return;
    }
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    const notFound = (code: number, message: string) => send(404, { error_code: code, message });
    if (this.down) return send(503, { error_code: 50301, message: 'registry down' });
    if (this.proxy404 !== null) {
      res.writeHead(404, { 'content-type': this.proxy404.type });
      return void res.end(this.proxy404.body);
    }
    if (this.refuse !== null) return send(this.refuse, { error_code: this.refuse, message: 'Unauthorized' });
    if (this.basicAuth !== null && req.headers.authorization !== `Basic ${btoa(this.basicAuth)}`)
      return send(401, { error_code: 401, message: 'Unauthorized' });
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname);
    // What the readiness probe asks for.
    if (path === '/subjects' && req.method === 'GET') return send(200, this.subjects());
    const body = (text ? JSON.parse(text) : {}) as { schema?: string; compatibility?: string };
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/schemas\/ids\/(\d+)$/))) {
      const schema = this.#schemas[Number(m[1]) - 1];
      return schema === undefined ? notFound(40403, 'Schema not found') : send(200, { schema });
    }
    if ((m = path.match(/^\/config\/(.+)$/))) {
      const subject = m[1] ?? '';
      if (req.method === 'PUT') {
        this.#levels.set(subject, body.compatibility ?? 'BACKWARD');
        return send(200, { compatibility: body.compatibility });
      }
      const level = this.#levels.get(subject);
      return level ? send(200, { compatibilityLevel: level }) : notFound(40401, 'Subject not found');
    }
    if ((m = path.match(/^\/compatibility\/subjects\/(.+)\/versions\/latest$/))) {
      return this.#subjects.has(m[1] ?? '') ? send(200, { is_compatible: true }) : notFound(40401, 'Subject not found');
    }
    if ((m = path.match(/^\/subjects\/(.+)\/versions\/latest$/))) {
      const subject = m[1] ?? '';
      const ids = this.#subjects.get(subject) ?? [];
      const id = ids.at(-1);
      if (id === undefined) return notFound(40401, 'Subject not found');
      return send(200, { subject, id, version: ids.length, schema: this.#schemas[id - 1] });
    }
    if ((m = path.match(/^\/subjects\/(.+)\/versions$/)) && req.method === 'POST') {
      const subject = m[1] ?? '';
      const schema = JSON.stringify(JSON.parse(body.schema ?? 'null'));
      let id = this.#schemas.indexOf(schema) + 1;
      if (id === 0) id = this.#schemas.push(schema);
      const ids = this.#subjects.get(subject) ?? [];
      if (!ids.includes(id)) ids.push(id);
      this.#subjects.set(subject, ids);
      return send(200, { id });
    }
    return notFound(40400, `not served here: ${req.method} ${path}`);
  }
}

/** What Traefik answers for a route whose service has no server up (a registry restarting behind it). */
export const TRAEFIK_404 = { type: 'text/plain; charset=utf-8', body: '404 page not found\n' } as const;

/**
 * A loopback registry for one test, stopped by `cleanup` (the test file's list, run after each
 * test), with its URL and a serde on it that fails at once instead of retrying (nor waits for
 * a schema id the registry does not know: this registry is never behind).
 */
export async function startLoopback(
  cleanup: Cleanup,
): Promise<{ registry: LoopbackRegistry; url: string; serde: AvroSerde }> {
  const registry = new LoopbackRegistry();
  const url = await registry.start();
  cleanup.push(() => registry.stop());
  return { registry, url, serde: new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0 }) };
}
