import { afterEach, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
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

const from = (ip: string): RequestInit => ({ headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } });

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
  });

  it('counts clients behind a trusted proxy by the first X-Forwarded-For hop', async () => {
    const url = await limited(true);
    for (let i = 0; i < 3; i++) expect((await fetch(url, from('203.0.113.7'))).status).toBe(200);
    expect((await fetch(url, from('203.0.113.7'))).status).toBe(429);
    const other = await fetch(url, from('198.51.100.20'));
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
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

  it('limits other methods too', async () => {
    const url = await limited(false);
    for (let i = 0; i < 3; i++) expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(url)).status).toBe(429);
  });
});
