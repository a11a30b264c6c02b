import { createHook } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  classifyHttpError,
  HttpCallError,
  HttpClient,
  lookupJson,
  RESPONSE_TOO_LARGE,
  sendJson,
} from '../../../src/sdk/index.ts';

// A real server on a free port: each path does one thing a system (or a network) can do.
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let server: Server;
let base: string;

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const path = (req.url ?? '').split('?')[0]?.replace(/^\/base/, '');
  if (path === '/api/hang') return; // never answers
  if (path === '/api/drop') return void req.socket.destroy();
  if (path === '/api/teapot') return void res.writeHead(418).end('{"error":"no"}');
  if (path === '/api/unavailable') return void res.writeHead(503).end('down');
  if (path === '/api/restarting')
    return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h2>Context root /base not found</h2>');
  if (path === '/api/plain-no-item')
    return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
  if (path === '/api/empty-no-item') return void res.writeHead(404).end();
  if (path === '/api/no-item')
    return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no item 7"}');
  if (path === '/api/moved')
    return void res.writeHead(302, { location: 'https://sso.city.gov/login?session=secret-token' }).end();
  if (path === '/api/busy') return void res.writeHead(429, { 'retry-after': '120' }).end('slow down');
  if (path === '/api/maintenance')
    return void res.writeHead(503, { 'retry-after': new Date(Date.now() + 600_000).toUTCString() }).end('back at noon');
  if (path === '/api/garbled') return void res.writeHead(503, { 'retry-after': 'later' }).end('down');
  if (path === '/api/not-modified') return void res.writeHead(304).end();
  if (path === '/api/relative') return void res.writeHead(301, { location: '/base/api/items?x=1' }).end();
  if (path === '/api/large')
    return void res.writeHead(200, { 'content-length': String(MB * 3) }).end(' '.repeat(MB * 3));
  if (path === '/api/endless') return endless(res);
  if (path === '/api/echo-key')
    return void res
      .writeHead(422, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ message: `key ${String(req.headers['apikey'])} may not write to jane@example.org's ticket` }),
      );
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
}

const MB = 1024 * 1024;

/**
 * An answer with no Content-Length that goes on for 64 MB, a chunk per turn of the event loop:
 * only a cap on what is read ends the call early.
 */
function endless(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = 1024;
  const more = () => {
    if (res.destroyed) return;
    if ((left -= 1) === 0) return void res.end();
    if (res.write(chunk)) setImmediate(more);
    else res.once('drain', more);
  };
  more();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = (o: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ baseUrl: base, timeoutMs: 500, headers: { authorization: 'Bearer t' }, ...o });
const last = () => seen[seen.length - 1];

describe('the SDK HTTP client', () => {
  it('joins paths to the base as the systems root their APIs, with default or given parameters', async () => {
    const http = client({ params: { lean: 1 } });
    expect(await http.get('/api/items', { params: { 'oslc.where': 'a="b c"', limit: 2 } })).toEqual({
      data: '{"ok":true}',
      contentType: 'application/json',
    });
    expect(last()?.url).toBe('/base/api/items?lean=1&oslc.where=a%3D%22b+c%22&limit=2');
    await http.get('api/items');
    expect(last()?.url).toBe('/base/api/items?lean=1');
    // The call's parameter wins over the client's of the same name.
    await http.get('api/items', { params: { lean: 0 } });
    expect(last()?.url).toBe('/base/api/items?lean=0');
    // An absolute URL (a next page a system gave) is kept, with a default it left out added and
    // none it carries sent twice.
    await http.get(`${base.replace('/base', '')}/other?page=2&lean=1`);
    expect(last()?.url).toBe('/other?page=2&lean=1');
    await http.get(`${base.replace('/base', '')}/other?page=3`);
    expect(last()?.url).toBe('/other?page=3&lean=1');
    expect(last()?.headers.authorization).toBe('Bearer t');
  });

  it('sends bodies as JSON, the call headers over those of the client', async () => {
    await client().put('/api/items/1', { version: 2 }, { headers: { 'x-correlation-id': 'c-1' } });
    expect(last()).toMatchObject({ method: 'PUT', body: '{"version":2}' });
    expect(last()?.headers['content-type']).toBe('application/json');
    expect(last()?.headers['x-correlation-id']).toBe('c-1');
  });

  it('reports an answer outside 2xx with its status, as the error rule reads it', async () => {
    const teapot = await client()
      .get('/api/teapot')
      .catch((e: unknown) => e);
    expect(teapot).toBeInstanceOf(HttpCallError);
    expect(classifyHttpError(teapot, 'x')).toMatchObject({
      code: 'CL_CONNECTOR_REJECTED',
      details: { httpStatus: 418 },
    });
    const down = await client()
      .get('/api/unavailable')
      .catch((e: unknown) => e);
    expect(classifyHttpError(down, 'x')).toMatchObject({
      code: 'CL_CONNECTOR_RETRIABLE',
      details: { httpStatus: 503 },
    });
  });

  it("tells a web tier's HTML 404 to a record call (an app server restarting) from the system's own", async () => {
    const fail = (path: string) =>
      client()
        .post(path, { note: 'x' })
        .catch((e: unknown) => classifyHttpError(e, 'adding a note'));
    expect(await fail('/api/restarting')).toMatchObject({
      code: 'CL_CONNECTOR_MISDIRECTED',
      details: { httpStatus: 404 },
    });
    expect(await fail('/api/no-item')).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', details: { httpStatus: 404 } });
  });

  // Express's res.sendStatus(404) answers an unknown item "Not Found" in text/plain.
  it('reads a 404 in plain text or with no body as the item missing, for lookups', async () => {
    const schema = z.object({ id: z.string() });
    const http = client();
    expect(await lookupJson('reading item 9', schema, () => http.get('/api/plain-no-item'))).toBeNull();
    expect(await lookupJson('reading item 9', schema, () => http.get('/api/empty-no-item'))).toBeNull();
    await expect(lookupJson('reading item 9', schema, () => http.get('/api/restarting'))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MISDIRECTED',
    });
  });

  it('follows no redirect: a 3xx is misdirected, naming the origin it points to and never its query', async () => {
    const moved = await client()
      .get('/api/moved', { about: 'api' })
      .catch((e: unknown) => e);
    expect(moved).toMatchObject({ response: { status: 302 }, redirectedTo: 'https://sso.city.gov', about: 'api' });
    const err = classifyHttpError(moved, 'reading changes');
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', details: { redirectedTo: 'https://sso.city.gov' } });
    expect(err.message).toContain('https://sso.city.gov');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('secret-token');
    expect(seen.filter((r) => r.url.startsWith('/login'))).toHaveLength(0);
    const relative = await client()
      .get('/api/relative')
      .catch((e: unknown) => e);
    expect(relative).toMatchObject({ redirectedTo: new URL(base).origin, about: 'record' });
  });

  it('says a 304 to a call that was not conditional is Not Modified, not a redirect, and points nowhere', async () => {
    const cached = await client()
      .get('/api/not-modified', { about: 'api' })
      .catch((e: unknown) => e);
    const err = classifyHttpError(cached, 'reading changes');
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', details: { httpStatus: 304 } });
    expect(err.details['redirectedTo']).toBeUndefined();
    expect(err.message).toBe(
      'reading changes: HTTP 304: Not Modified, though the call was not conditional (no If-None-Match or If-Modified-Since)',
    );
  });

  it('reads Retry-After as seconds or as a date into the error, for the retries and the pause', async () => {
    const fail = (path: string) =>
      client()
        .get(path)
        .then(
          () => {
            throw new Error(`${path} answered 2xx`);
          },
          (e: unknown) => classifyHttpError(e, 'x'),
        );
    expect(await fail('/api/busy')).toMatchObject({
      code: 'CL_CONNECTOR_RETRIABLE',
      details: { httpStatus: 429, retryAfterMs: 120_000 },
    });
    const maintenance = await fail('/api/maintenance');
    expect(maintenance.details['retryAfterMs']).toBeGreaterThan(595_000);
    expect(maintenance.details['retryAfterMs']).toBeLessThanOrEqual(600_000);
    expect((await fail('/api/garbled')).details).not.toHaveProperty('retryAfterMs');
  });

  it('turns a silent system, a dropped connection and a refused one into retriable outages', async () => {
    const started = Date.now();
    const hung = await client({ timeoutMs: 200 })
      .get('/api/hang')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hung).toMatchObject({ code: 'ETIMEDOUT' });
    const dropped = await client()
      .get('/api/drop')
      .catch((e: unknown) => e);
    expect(dropped).toMatchObject({ code: 'ECONNRESET' });
    const closed = await new HttpClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 })
      .get('/x')
      .catch((e: unknown) => e);
    expect(closed).toMatchObject({ code: 'ECONNREFUSED' });
    for (const e of [hung, dropped, closed])
      expect(classifyHttpError(e, 'x')).toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE', retriable: true });
  });

  it("leaves no timer pending once a call has ended, and still ends a call on the caller's signal", async () => {
    // Timers of this one length are the calls' time limits: undici's own timers are others.
    const limitMs = 4_321;
    const pending = new Set<number>();
    const hook = createHook({
      init(id, type, _trigger, resource) {
        if (type === 'Timeout' && (resource as { _idleTimeout?: number })._idleTimeout === limitMs) pending.add(id);
      },
      destroy: (id) => void pending.delete(id),
    }).enable();
    try {
      const c = client({ timeoutMs: limitMs });
      const caller = new AbortController();
      await c.get('/api/items');
      await c.put('/api/items/1', { a: 1 }, { signal: caller.signal });
      await c.get('/api/teapot').catch(() => undefined);
      expect(pending.size).toBeGreaterThan(0);
      // Destroy hooks are emitted after the turn that cleared the timer.
      await new Promise((r) => setImmediate(r));
      expect(pending.size).toBe(0);
      const waiting = c.get('/api/hang', { signal: caller.signal }).catch((e: unknown) => e);
      caller.abort(new Error('stopping'));
      expect(await waiting).toMatchObject({ message: 'stopping' });
      await new Promise((r) => setImmediate(r));
      expect(pending.size).toBe(0);
    } finally {
      hook.disable();
    }
  });

  it('makes a TLS failure a misdirected endpoint naming its code, and an answer that is no HTTP an outage', async () => {
    const tls = new URL('../../fixtures/tls/', import.meta.url);
    const selfSigned = createHttpsServer(
      { key: readFileSync(new URL('key.pem', tls)), cert: readFileSync(new URL('cert.pem', tls)) },
      (_req, res) => res.end('{}'),
    );
    const garbage = createNetServer((socket) => socket.once('data', () => socket.end('HELLO GARBAGE\r\n\r\n')));
    const ports: number[] = [];
    for (const s of [selfSigned, garbage]) {
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      ports.push((s.address() as AddressInfo).port);
    }
    try {
      const fail = async (url: string) => {
        const got = await new HttpClient({ baseUrl: url, timeoutMs: 2_000 }).get('/x').catch((e: unknown) => e);
        expect(got).toBeInstanceOf(HttpCallError);
        return { raw: got as HttpCallError, err: classifyHttpError(got, 'x') };
      };
      // A self-signed certificate, and https to a plain http port (the test's own server).
      const untrusted = await fail(`https://127.0.0.1:${ports[0]}`);
      expect(untrusted.raw.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      const plain = await fail(base.replace('http://', 'https://'));
      expect(plain.raw.code).toMatch(/^(ERR_SSL_|EPROTO)/);
      for (const { err } of [untrusted, plain])
        expect(err).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', retriable: false, details: { tls: true } });
      const noHttp = await fail(`http://127.0.0.1:${ports[1]}`);
      expect(noHttp.raw.response).toBeUndefined();
      expect(noHttp.err).toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE', retriable: true });
    } finally {
      selfSigned.closeAllConnections();
      await new Promise((r) => selfSigned.close(r));
      await new Promise((r) => garbage.close(r));
    }
  });

  it('refuses an answer longer than maxResponseBytes as malformed, by its length or as it streams', async () => {
    const capped = client({ maxResponseBytes: MB });
    for (const path of ['/api/large', '/api/endless']) {
      const got = await capped.get(path).then(
        // Its length, not the body itself, which would make a failure's diff megabytes long.
        (answer) => `answered ${answer.data.length} characters`,
        (e: unknown) => e,
      );
      expect(got).toMatchObject({ code: RESPONSE_TOO_LARGE, response: undefined });
      const err = classifyHttpError(got, 'reading changes');
      expect(err).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', retriable: true });
      expect(err.message).toContain(`longer than the ${MB} bytes allowed`);
    }
    // Within the cap it is read as ever.
    expect((await client({ maxResponseBytes: 4 * MB }).get('/api/large')).data).toHaveLength(3 * MB);
  });

  it('never takes a write answered past maxResponseBytes for a blank answer, blanks as it is', async () => {
    // The answer is 3 MB of blanks: read whole, a write taken with no body; refused, no answer.
    const capped = client({ maxResponseBytes: MB });
    const written = await sendJson('writing a status', z.object({}), () => capped.put('/api/large', {})).then(
      (answer) => ({ answer }),
      (e: unknown) => e,
    );
    expect(written).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', retriable: true });
    expect(
      await sendJson('writing a status', z.object({}), () =>
        client({ maxResponseBytes: 4 * MB }).put('/api/large', {}),
      ),
    ).toBeNull();
  });

  it("puts the system's reason for a refusal into the error, without credentials or contact data", async () => {
    const refused = await client({ headers: { apikey: 'key-0123456789' } })
      .put('/api/echo-key', { note: 'x' })
      .catch((e: unknown) => e);
    const err = classifyHttpError(refused, 'applying status v2 to CRM ticket T-1');
    expect(err.message).toBe(
      "applying status v2 to CRM ticket T-1: HTTP 422: Request failed with status code 422: key [redacted] may not write to [redacted]'s ticket",
    );
    // A 5xx's page says what it says, as text.
    expect(
      classifyHttpError(
        await client()
          .get('/api/unavailable')
          .catch((e: unknown) => e),
        'x',
      ).message,
    ).toBe('x: HTTP 503: Request failed with status code 503: down');
  });
});
