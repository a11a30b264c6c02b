import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The real schema registry behind a loopback gate that a test can close: while `down`, every
 * request is answered 503, as LoopbackRegistry answers when down; open, requests pass through
 * unchanged, but for the schema ids given an answer of their own (`schemaAnswers`). So a
 * process given the gate's URL meets a registry outage, or trouble with one schema, and the real
 * registry otherwise, while every other process keeps the registry.
 */
export class RegistryGate {
  readonly #target: URL;
  #server: Server | null = null;
  down = false;
  /**
   * While an id is here, a request for that schema id is answered with this instead of the
   * registry's answer: a replica that does not have it yet (404), a gateway's page (200 HTML).
   */
  readonly schemaAnswers = new Map<number, { status: number; contentType: string; body: string }>();
  /** How many times each schema id was asked for through the gate. */
  readonly schemaRequests = new Map<number, number>();

  constructor(target: string) {
    this.#target = new URL(target);
  }

  /** The gate's URL, with the registry's own path (e.g. /apis/ccompat/v7). */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#pass(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 50201, message: String(err) }));
      });
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.#target.pathname.replace(/\/$/, '')}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #pass(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.down) {
      res.writeHead(503, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify({ error_code: 50301, message: 'registry down (test gate closed)' }));
      return;
    }
    const id = /\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1];
    if (id !== undefined) {
      this.schemaRequests.set(Number(id), (this.schemaRequests.get(Number(id)) ?? 0) + 1);
      const answer = this.schemaAnswers.get(Number(id));
      if (answer) {
        res.writeHead(answer.status, { 'content-type': answer.contentType });
        res.end(answer.body);
        return;
      }
    }
    const upstream = await fetch(new URL(req.url ?? '/', this.#target.origin), {
      method: req.method ?? 'GET',
      headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  }
}
