import { request, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { clientKey } from '../../../src/status-api/rate-limit.ts';
import { startServer, status } from './fixtures.ts';

let server: StatusApiServer | undefined;
afterEach(() => server?.stop());

async function limited(trustProxy: boolean): Promise<string> {
  const projection = new StatusProjection();
  projection.apply(status('T1', 1));
  const started = await startServer(projection, { rateLimit: { points: 3, durationSeconds: 60 }, trustProxy });
  server = started.server;
  return `${started.base}/requests/T1.json`;
}

// The trusted proxy appends the address it saw after whatever the client claimed.
const from = (ip: string, claimed = '10.0.0.1'): RequestInit => ({
  headers: { 'x-forwarded-for': `${claimed}, ${ip}` },
});

describe('rate limiting per client', () => {
  it('answers the 4th request in the window with 429 and Retry-After', async () => {
    const url = await limited(false);
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const res = await fetch(url);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual([{ code: 429, description: expect.stringMatching(/Too many requests/) }]);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // Else a web page's script could not read them to back off.
    expect(res.headers.get('access-control-expose-headers')).toBe(
      'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining',
    );
  });

  it("answers a browser's preflight over the limit, with its allow headers, and does not count it", async () => {
    const url = await limited(false);
    const preflight = () =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'https://city.example', 'access-control-request-method': 'GET' },
      });
    for (let i = 0; i < 5; i++) expect((await preflight()).status).toBe(204);
    for (let i = 0; i < 3; i++) expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url)).status).toBe(429);
    const res = await preflight();
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('counts clients behind a trusted proxy by the last X-Forwarded-For hop', async () => {
    const url = await limited(true);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from('203.0.113.7'))).status).toBe(200);
    expect((await fetch(url, from('203.0.113.7'))).status).toBe(429);
    const other = await fetch(url, from('198.51.100.20'));
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
  });

  it('does not let a client dodge the limit by forging earlier X-Forwarded-For hops', async () => {
    const url = await limited(true);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from('203.0.113.7', `198.51.100.${i}`))).status).toBe(200);
    expect((await fetch(url, from('203.0.113.7', '198.51.100.99'))).status).toBe(429);
  });

  it('reads the last hop across repeated X-Forwarded-For header lines', async () => {
    const url = await limited(true);
    // fetch merges repeated headers itself, so send separate lines with node:http.
    const get = (lines: string[]) =>
      new Promise<number>((resolve, reject) => {
        const req = request(url);
        req.setHeader('x-forwarded-for', lines);
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (let i = 0; i < 3; i++) expect(await get([`198.51.100.${i}`, '203.0.113.7'])).toBe(200);
    expect(await get(['198.51.100.99', '203.0.113.7'])).toBe(429);
    expect(await get(['203.0.113.7', '198.51.100.1'])).toBe(200);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted, so a client cannot dodge the limit', async () => {
    const url = await limited(false);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from(`203.0.113.${i}`))).status).toBe(200);
    expect((await fetch(url, from('198.51.100.20'))).status).toBe(429);
  });

  it('falls back to the socket address when the forwarded hop is not an IP address', async () => {
    const url = await limited(true);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from(`junk-${i}`))).status).toBe(200);
    expect((await fetch(url, from('junk-9'))).status).toBe(429);
  });

  // One home or server holds a whole /64 and may take a fresh address from it for each request.
  it('counts IPv6 clients by their /64, and an IPv4-mapped address as the IPv4 one', async () => {
    const url = await limited(true);
    for (let i = 1; i <= 3; i++) expect((await fetch(url, from(`2001:db8:1:2::${i}`))).status).toBe(200);
    expect((await fetch(url, from('2001:db8:1:2:ffff:ffff:ffff:ffff'))).status).toBe(429);
    expect((await fetch(url, from('2001:db8:1:3::1'))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from('203.0.113.9'))).status).toBe(200);
    expect((await fetch(url, from('::ffff:203.0.113.9'))).status).toBe(429);
  });

  it('limits other methods too', async () => {
    const url = await limited(false);
    for (let i = 0; i < 3; i++) expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(url)).status).toBe(429);
  });
});

describe('clientKey', () => {
  const req = (header: string | string[] | undefined, remoteAddress: string | null = '192.0.2.1') =>
    ({
      headers: header === undefined ? {} : { 'x-forwarded-for': header },
      socket: { remoteAddress: remoteAddress ?? undefined },
    }) as IncomingMessage;

  it('uses the socket address unless the proxy is trusted', () => {
    expect(clientKey(req('203.0.113.7'), false)).toBe('192.0.2.1');
    expect(clientKey(req('203.0.113.7', '::ffff:192.0.2.1'), false)).toBe('192.0.2.1');
    expect(clientKey(req(undefined, null), false)).toBe('unknown');
  });

  it.each([
    ['the only hop', '203.0.113.7', '203.0.113.7'],
    ['the rightmost of several hops', '198.51.100.1, 10.0.0.1, 203.0.113.7', '203.0.113.7'],
    ['the last of several header lines', ['198.51.100.1, 10.0.0.1', '203.0.113.7'], '203.0.113.7'],
    ['a hop padded with whitespace and empty entries', ' 198.51.100.1 ,, 203.0.113.7 ,\t, ', '203.0.113.7'],
    ['an IPv6 hop by its /64', '198.51.100.1, 2001:db8::7', '2001:db8:0:0::/64'],
    ['an IPv6 hop written in full by its /64', '2001:0DB8:0001:0002:0000:0000:0000:0005', '2001:db8:1:2::/64'],
    ['an IPv6 hop with an IPv4 tail by its /64', '64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
    ['a link-local hop with a zone by its /64', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['an IPv4-mapped IPv6 hop as IPv4', '2001:db8::1, ::ffff:203.0.113.7', '203.0.113.7'],
    ['an upper-case IPv4-mapped hop as IPv4', '::FFFF:203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped hop in hex as IPv4', '::ffff:cb00:7107', '203.0.113.7'],
    ['an IPv4-mapped hop written in full as IPv4', '0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
  ])('behind a trusted proxy takes %s', (_, header, expected) => {
    expect(clientKey(req(header), true)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', ' , ,'],
    ['an empty list of lines', []],
    ['not an address in its last hop', '203.0.113.7, unknown'],
    ['carrying a port in its last hop', '198.51.100.1, 203.0.113.7:4711'],
  ])('falls back to the socket address when the header is %s', (_, header) => {
    expect(clientKey(req(header), true)).toBe('192.0.2.1');
    expect(clientKey(req(header, '::ffff:192.0.2.9'), true)).toBe('192.0.2.9');
  });
});
