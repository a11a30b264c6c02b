import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusApiServer, StatusProjection } from '../../../src/status-api/index.ts';
import type { StatusApiServerOptions } from '../../../src/status-api/server.ts';
import { NOW } from '../../support/public-fixture.ts';
import { fixtureSiteParts, startFixtureSite } from '../../support/public-site.ts';

/* A page that fails is a page to whoever asked for it; an API path's failure stays GeoReport's. */
const errors: unknown[] = [];
let failing: StatusApiServer;
let failingBase: string;
let fixture: StatusApiServer;
let fixtureBase: string;

beforeAll(async () => {
  const options: StatusApiServerOptions = {
    host: '127.0.0.1',
    port: 0,
    projection: new StatusProjection(),
    services: [],
    jurisdictionId: 'bmore',
    rateLimit: null,
    site: () => {
      throw new RangeError('Invalid time value');
    },
    logger: { info: () => undefined, error: (o: unknown) => void errors.push(o) },
  };
  failing = new StatusApiServer(options);
  failingBase = await failing.start();
  ({ server: fixture, base: fixtureBase } = await startFixtureSite());
});
afterAll(async () => {
  await failing.stop();
  await fixture.stop();
});

describe('a page that fails', () => {
  it('answers a person with an HTML 500 page, and is logged', async () => {
    const res = await fetch(`${failingBase}/track/X1`);
    expect([res.status, res.headers.get('content-type')]).toEqual([500, 'text/html; charset=utf-8']);
    expect(await res.text()).toContain('Something went wrong');
    expect(errors).toHaveLength(1);
  });

  it('answers a program on an API-looking path with a GeoReport 500 in its format', async () => {
    const res = await fetch(`${failingBase}/nothing.xml`);
    expect([res.status, res.headers.get('content-type')]).toEqual([500, 'text/xml; charset=utf-8']);
    expect(await res.text()).toContain('<code>500</code>');
  });
});

describe('a month in year 0000', () => {
  it.each(['/departments/transportation?month=0000-01', '/performance?month=0000-12'])(
    '%s is the 400 page "not a month we can show"',
    async (path) => {
      const res = await fetch(`${fixtureBase}${path}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
      expect(await res.text()).toContain('That is not a month we can show');
    },
  );
});

/*
 * A person refused on a page (over the rate limit, a form posted, a browser that sent no Host)
 * reads a page, with the status and headers a program gets; an API path keeps GeoReport's error.
 */
describe('a page refused', () => {
  let limited: StatusApiServer;
  let limitedBase: string;
  beforeAll(async () => {
    const { projection, facts, site } = fixtureSiteParts();
    limited = new StatusApiServer({
      host: '127.0.0.1',
      port: 0,
      projection,
      facts,
      services: [],
      jurisdictionId: 'bmore',
      rateLimit: { points: 2, durationSeconds: 60 },
      now: () => NOW,
      site,
    });
    limitedBase = await limited.start();
  });
  afterAll(() => limited.stop());

  it('over the rate limit: a 429 page with Retry-After, and GeoReport JSON on an API path', async () => {
    for (let i = 0; i < 2; i++) expect((await fetch(`${limitedBase}/performance`)).status).toBe(200);
    const page = await fetch(`${limitedBase}/track/S1`, { headers: { accept: 'text/html' } });
    expect([page.status, page.headers.get('content-type'), page.headers.get('retry-after')]).toEqual([
      429,
      'text/html; charset=utf-8',
      expect.stringMatching(/^\d+$/),
    ]);
    expect(await page.text()).toMatch(/<h1>Please wait a moment<\/h1>.*try again in \d+ seconds/s);
    const api = await fetch(`${limitedBase}/requests/S1.json`);
    expect([api.status, api.headers.get('content-type')]).toEqual([429, 'application/json; charset=utf-8']);
    expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('a POST to a page: a 405 page with Allow, and GeoReport XML on an API path', async () => {
    const page = await fetch(`${fixtureBase}/track/S1`, { method: 'POST', body: 'id=S1' });
    expect([page.status, page.headers.get('content-type'), page.headers.get('allow')]).toEqual([
      405,
      'text/html; charset=utf-8',
      'GET, HEAD, OPTIONS',
    ]);
    expect(await page.text()).toContain('<h1>This page cannot be changed</h1>');
    const api = await fetch(`${fixtureBase}/requests.xml`, { method: 'POST', body: 'x' });
    expect([api.status, api.headers.get('content-type')]).toEqual([405, 'text/xml; charset=utf-8']);
  });

  it('HTTP/1.1 without Host: a 400 page on a page path, GeoReport JSON on an API path', async () => {
    const raw = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(fixtureBase);
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.end(`GET ${path} HTTP/1.1\r\nConnection: close\r\n\r\n`),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const page = await raw('/track/S1');
    expect(page).toMatch(/^HTTP\/1\.1 400 /);
    expect(page).toMatch(/content-type: text\/html; charset=utf-8/i);
    expect(page).toContain('<h1>Bad request</h1>');
    const api = await raw('/requests/S1.json');
    expect(api).toMatch(/^HTTP\/1\.1 400 /);
    expect(api).toContain('"An HTTP/1.1 request needs a Host header."');
  });
});
