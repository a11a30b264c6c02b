import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusApiServer, StatusProjection } from '../../../src/status-api/index.ts';
import type { StatusApiServerOptions } from '../../../src/status-api/server.ts';
import { startFixtureSite } from '../../support/public-site.ts';

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
