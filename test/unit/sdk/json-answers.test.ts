import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callJson, CloseloopError, HttpClient, sendJson } from '../../../src/sdk/index.ts';

// A real server: each path answers as a system, or something in front of it, does.
let server: Server;
let http: HttpClient;
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  // A .NET/IIS stack writes its JSON with a UTF-8 byte-order mark.
  if (path === '/bom') return void res.writeHead(200, JSON_TYPE).end('\uFEFF{"changes":[],"watermark":7}');
  if (path === '/bom-write') return void res.writeHead(200, JSON_TYPE).end('\uFEFF{"applied":true}');
  // An SSO gateway's login page, which names the citizen whose ticket the call was about.
  if (path === '/login')
    return void res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<html><body>Sign in to continue: jane@example.org</body></html>');
  // A front end that compresses although the bridge asked for no encoding.
  if (path === '/gzip')
    return void res.writeHead(200, { ...JSON_TYPE, 'content-encoding': 'gzip' }).end(gzipSync('{"changes":[]}'));
  if (path === '/untyped') return void res.writeHead(200).end('OK then');
  // A feed written in windows-1252, as it says: ’ 0x92, – 0x96, é 0xe9.
  if (path === '/cp1252')
    return void res
      .writeHead(200, { 'content-type': 'application/json; charset=windows-1252' })
      .end(Buffer.from('{"note":"couldn\x92t \x96 caf\xe9"}', 'latin1'));
  // The same bytes with no charset said: not UTF-8, as JSON must be without one.
  if (path === '/cp1252-unsaid')
    return void res.writeHead(200, JSON_TYPE).end(Buffer.from('{"note":"caf\xe9"}', 'latin1'));
  if (path === '/klingon')
    return void res.writeHead(200, { 'content-type': 'application/json; charset=x-klingon' }).end('{"note":"x"}');
  if (path === '/utf16')
    return void res
      .writeHead(200, { 'content-type': 'application/json; charset=utf-16' })
      .end(Buffer.from('\uFEFF{"note":"café"}', 'utf16le'));
  if (path === '/empty') return void res.writeHead(200, JSON_TYPE).end();
  res.writeHead(404).end();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  http = new HttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 1_000 });
});
afterAll(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const page = z.object({ changes: z.array(z.unknown()), watermark: z.number() });

describe('JSON answers as systems write them', () => {
  it('reads JSON that starts with a UTF-8 byte-order mark, as RFC 8259 lets a parser', async () => {
    expect(await callJson('reading changes', page, () => http.get('/bom'))).toEqual({ changes: [], watermark: 7 });
    expect(await sendJson('writing', z.object({ applied: z.boolean() }), () => http.put('/bom-write', {}))).toEqual({
      applied: true,
    });
  });

  it.each([
    ['/login', 'text/html; charset=utf-8'],
    ['/gzip', 'application/json; charset=utf-8, gzip-encoded'],
    ['/untyped', 'no content-type'],
    ['/empty', 'no body'],
  ])('names what arrived at %s when it is not JSON, never echoing the body', async (path, arrived) => {
    const err = await callJson('reading changes', page, () => http.get(path)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', retriable: true });
    expect((err as Error).message).toBe(`reading changes: malformed response: not JSON (${arrived})`);
    // What readiness and the pause's log line show: the headers' word, never the body's.
    expect((err as CloseloopError).details).toEqual({ malformed: `not JSON (${arrived})` });
  });

  it('names the fields of an answer that breaks the contract for the operator, never its values', async () => {
    const err = await callJson('reading changes', page, () => http.get('/bom-write')).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      details: { malformed: 'does not match the contract at changes, watermark' },
    });
  });

  it('reads text in the charset its Content-Type declares, and refuses bytes that are not text in it when asked', async () => {
    const note = z.object({ note: z.string() });
    expect(await callJson('reading', note, () => http.get('/cp1252'))).toEqual({ note: 'couldn’t – café' });
    expect(await callJson('reading', note, () => http.get('/utf16'))).toEqual({ note: 'café' });
    // By default one bad byte fails no call: it is U+FFFD, which readChanges dead-letters a change
    // for; an unknown charset is read as UTF-8.
    expect(await callJson('reading', note, () => http.get('/cp1252-unsaid'))).toEqual({ note: 'caf\uFFFD' });
    expect(await callJson('reading', note, () => http.get('/klingon'))).toEqual({ note: 'x' });
    // A call that asks for strict text: a malformed answer, retried, then the runner pauses.
    for (const [path, said] of [
      ['/cp1252-unsaid', 'not utf-8 text (bytes that are not text in it)'],
      ['/klingon', 'not x-klingon text (a charset no decoder knows)'],
    ] as const) {
      const err = await callJson('reading', note, () => http.get(path, { strictText: true })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', retriable: true, details: { malformed: said } });
      expect((err as Error).message).toBe(`reading: malformed response: ${said}`);
    }
  });
});
