import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer, status } from './fixtures.ts';

const projection = new StatusProjection();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  projection.apply(status('T1', 1));
  ({ server, base } = await startServer(projection));
});
afterAll(() => server.stop());

/** Sends raw bytes and reads everything until the server closes the connection. */
async function raw(request: string): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const { hostname, port } = new URL(base);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
    socket.once('error', reject);
    socket.once('close', () => resolve(got));
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

const LONG = 'A'.repeat(20_000);
const error = (code: number) => [{ code, description: expect.any(String) }];
const cors = { 'access-control-allow-origin': '*', 'content-type': 'application/json; charset=utf-8' };

describe('a request without Host', () => {
  it('is refused with 400 in GeoReport format and CORS over HTTP/1.1', async () => {
    const res = await raw('GET /requests/T1.json HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject(cors);
    expect(res.body).toEqual([{ code: 400, description: 'An HTTP/1.1 request needs a Host header.' }]);
  });

  it('is served over HTTP/1.0, which has no Host', async () => {
    const res = await raw('GET /requests/T1.json HTTP/1.0\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject([{ service_request_id: 'T1' }]);
  });
});

describe('a request Node cannot parse', () => {
  it('answers a URL past the header limit with 414 in GeoReport format, CORS, and closes', async () => {
    const res = await raw(`GET /requests.json?service_request_id=${LONG} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res).toMatchObject({ status: 414, body: error(414), headers: { ...cors, connection: 'close' } });
  });

  it('answers headers past the limit with 431', async () => {
    const res = await raw(`GET /requests.json HTTP/1.1\r\nHost: x\r\nX-Big: ${LONG}\r\n\r\n`);
    expect(res).toMatchObject({ status: 431, body: error(431), headers: cors });
  });

  it('answers a malformed request with 400', async () => {
    const res = await raw('GET /requests.json HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n');
    expect(res).toMatchObject({ status: 400, body: error(400), headers: cors });
  });

  it('answers on a kept-alive connection that has answered before', async () => {
    expect((await fetch(`${base}/requests/T1.json`)).status).toBe(200);
    const res = await fetch(`${base}/requests.json?service_request_id=${LONG}`);
    expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([414, '*']);
    expect(await res.json()).toEqual(error(414));
  });
});

// A HEAD answered with the error's body broke the client's framing: Node's client failed with
// "Data after `Connection: close`" instead of reading the 431 (found by the property tests).
describe('a HEAD Node cannot parse', () => {
  async function rawText(request: string): Promise<string> {
    const { hostname, port } = new URL(base);
    return new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(request));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
      socket.once('error', reject);
      socket.once('close', () => resolve(got));
    });
  }

  it('is answered without a body, with the length a GET would have', async () => {
    for (const request of [
      `HEAD /requests.json HTTP/1.1\r\nHost: x\r\nX-Big: ${LONG}\r\n\r\n`,
      'HEAD /requests/\xa0.json HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const text = await rawText(request);
      const get = await rawText(`GET${request.slice(4)}`);
      expect(text.slice(0, 12)).toBe(get.slice(0, 12));
      expect(text.endsWith('\r\n\r\n')).toBe(true);
      expect(text).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
    }
  });

  it('is answered without a body behind a GET, whose answer keeps its own', async () => {
    const text = await rawText(
      'GET /requests/T1.json HTTP/1.1\r\nHost: a\r\n\r\nHEAD /bad path HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])).toEqual(['200', '400']);
    expect(text).toContain('"service_request_id":"T1"');
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });
});

describe('a request Node cannot parse, pipelined behind a valid one', () => {
  it('answers the valid one, then the 400, then closes', async () => {
    const { hostname, port } = new URL(base);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write('GET /requests/T1.json HTTP/1.1\r\nHost: a\r\n\r\nGET /bad path HTTP/1.1\r\nHost: a\r\n\r\n'),
      );
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
      socket.once('error', reject);
      socket.once('close', () => resolve(got));
    });
    // Each answer follows the last byte of the one before it.
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '400']);
    expect(text).toContain('"service_request_id":"T1"');
    expect(text.slice(text.lastIndexOf('\r\n\r\n') + 4)).toBe(
      JSON.stringify([{ code: 400, description: 'Malformed request.' }]),
    );
  });
});

// WHATWG's parser took a target starting with `//` for a host: `//requests.json` asked for `/` on
// host requests.json (404 here, the home page on the public site), and `//evil.example/…` or an
// absolute-form target set the origin discovery advertises, past the Host header's check.
describe('the request target', () => {
  const get = (target: string) => raw(`GET ${target} HTTP/1.1\r\nHost: api.city.example\r\nConnection: close\r\n\r\n`);

  it('reads a run of slashes as one, as a client joining a base that ends in / sends it', async () => {
    for (const target of ['//requests/T1.json', '/requests//T1.json', '//requests.json?service_request_id=T1']) {
      const res = await get(target);
      expect(res.status, target).toBe(200);
      expect(res.body, target).toEqual([expect.objectContaining({ service_request_id: 'T1' })]);
    }
  });

  it('takes the origin from the Host header alone, never from the request line', async () => {
    for (const target of ['http://evil.example/discovery.json', '//evil.example//discovery.json']) {
      const res = await get(target);
      const body = JSON.stringify(res.body);
      expect(body, target).not.toContain('evil.example');
    }
    const absolute = await get('http://evil.example/discovery.json');
    expect(absolute.status).toBe(200);
    expect(absolute.body).toMatchObject({ endpoints: [{ url: 'http://api.city.example' }] });
  });
});
