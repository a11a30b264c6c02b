import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer, status } from './fixtures.ts';

const projection = new StatusProjection();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  projection.apply(status('P', 1));
  projection.apply(status('T1', 1));
  projection.apply(status('T1', 2, { lifecycleState: 'ASSIGNED', statusNote: 'Assigned to a crew.' }));
  projection.apply(
    status('D', 1, {
      lifecycleState: 'DUPLICATE',
      duplicateOf: 'P',
      statusNote: 'Duplicate of #P — Sent to transportation.',
    }),
  );
  projection.apply(status('D-ORPHAN', 1, { lifecycleState: 'DUPLICATE', duplicateOf: 'GONE' }));
  ({ server, base } = await startServer(projection, { maxIdsPerRequest: 4 }));
});
afterAll(() => server.stop());

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text), res };
}

const error = (code: number) => [{ code, description: expect.any(String) }];

describe('GET /requests/{id}.json', () => {
  it('answers a one-element array with the public headers', async () => {
    const { status: code, body, res } = await get('/requests/T1.json');
    expect(code).toBe(200);
    expect(body).toMatchObject([{ service_request_id: 'T1', status: 'open', lifecycle_state: 'ASSIGNED' }]);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe(
      'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining',
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('shows a duplicate with its parent status as it is now', async () => {
    const before = await get('/requests/D.json');
    expect(before.body).toMatchObject([
      { duplicate_of: 'P', parent: { service_request_id: 'P', status: 'open', lifecycle_state: 'ROUTED' } },
    ]);
    projection.apply(status('P', 2, { lifecycleState: 'SCHEDULED', statusNote: 'Scheduled for 30 Nov.' }));
    const after = await get('/requests/D.json');
    expect(after.body).toMatchObject([
      { lifecycle_state: 'DUPLICATE', parent: { lifecycle_state: 'SCHEDULED', status_notes: 'Scheduled for 30 Nov.' } },
    ]);
    expect((await get('/requests/D-ORPHAN.json')).body).toMatchObject([{ duplicate_of: 'GONE', parent: null }]);
  });

  it('answers 404 in GeoReport format for an unknown id, without echoing it', async () => {
    expect(await get('/requests/NOPE.json')).toMatchObject({ status: 404, body: error(404) });
    const bad = await get(`/requests/${encodeURIComponent('<script>x</script>')}.json`);
    expect(bad).toMatchObject({ status: 404, body: error(404) });
    expect(JSON.stringify(bad.body)).not.toMatch(/<|x<\/|%3C/);
  });

  // A broken escape names no id at all: the client's mistake, not an unknown request.
  it('answers 400 in GeoReport format for a malformed id', async () => {
    expect(await get('/requests/%E0%A4%A.json')).toMatchObject({ status: 400, body: error(400) });
  });

  it('answers HEAD with headers and no body', async () => {
    const { status: code, body, res } = await get('/requests/T1.json', { method: 'HEAD' });
    expect([code, body]).toEqual([200, null]);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
  });
});

describe('GET /requests.json', () => {
  it('answers the known ones of several ids, in the order asked, once each', async () => {
    const { status: code, body } = await get('/requests.json?service_request_id=T1,NOPE,P,T1,%3Cx%3E');
    expect(code).toBe(200);
    expect((body as { service_request_id: string }[]).map((r) => r.service_request_id)).toEqual(['T1', 'P']);
  });

  it.each([
    ['none is known', '?service_request_id=NOPE,NADA', 404],
    ['too many ids are asked for', '?service_request_id=a,b,c,d,e', 400],
    ['a search spans more than 90 days', '?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', 400],
    ['the jurisdiction is given twice', '?service_request_id=T1&jurisdiction_id=yeg&jurisdiction_id=yyc', 400],
    ['the same jurisdiction is given twice', '?service_request_id=T1&jurisdiction_id=yeg&jurisdiction_id=yeg', 400],
    ['the jurisdiction is another', '?service_request_id=T1&jurisdiction_id=yyc', 404],
  ])('answers an error when %s', async (_case, query, code) => {
    expect(await get(`/requests.json${query}`)).toMatchObject({ status: code, body: error(code) });
  });

  it('accepts its own jurisdiction', async () => {
    expect((await get('/requests.json?service_request_id=T1&jurisdiction_id=yeg')).status).toBe(200);
  });

  // FixMyStreet sends jurisdiction_id on every call, empty when none is configured.
  it.each([
    '/requests.json?service_request_id=T1&jurisdiction_id=',
    '/requests/T1.json?jurisdiction_id=',
    '/requests.json?jurisdiction_id=',
    '/services.json?jurisdiction_id=',
    '/services/POTHOLE.json?jurisdiction_id=',
    '/discovery.json?jurisdiction_id=',
    '/requests/T1.json?jurisdiction_id=&jurisdiction_id=yeg',
  ])('reads an empty jurisdiction_id as none: %s', async (path) => {
    expect((await get(path)).status).toBe(200);
  });
});

describe('other routes', () => {
  it('lists the services', async () => {
    const { status: code, body } = await get('/services.json');
    expect(code).toBe(200);
    expect(body).toEqual([
      {
        service_code: 'POTHOLE',
        service_name: 'Pothole',
        description: 'A hole in a road or lane.',
        metadata: false,
        type: 'realtime',
        keywords: 'road, pothole',
        group: 'Roads',
      },
      {
        service_code: 'GRAFFITI',
        service_name: 'Graffiti',
        description: 'Graffiti on public property.',
        metadata: false,
        type: 'realtime',
        keywords: null,
        group: 'Parks',
      },
    ]);
    expect(await get('/services.json?jurisdiction_id=yyc')).toMatchObject({ status: 404, body: error(404) });
  });

  it.each([
    ['/tickets/T1.json', 404],
    ['/requests/T1', 404],
    ['/', 404],
  ])('answers %s with %i', async (path, code) => {
    expect(await get(path)).toMatchObject({ status: code, body: error(code) });
  });

  it('refuses writes with 405 and an Allow header', async () => {
    const { status: code, body, res } = await get('/requests.json', { method: 'POST', body: '{}' });
    expect([code, body]).toEqual([405, error(405)]);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('answers a CORS preflight with 204 and the leave asked for', async () => {
    const res = await fetch(`${base}/requests.xml?status=open`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://city.example.org',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-requested-with, accept',
      },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': 'x-requested-with, accept',
      'access-control-max-age': '86400',
      allow: 'GET, HEAD, OPTIONS',
    });
    expect(res.headers.get('content-type')).toBeNull();
  });

  it('answers a plain OPTIONS with what is allowed, and echoes no header list that is not one', async () => {
    const res = await fetch(`${base}/requests/T1.json`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-headers': 'x-a, (bad)' },
    });
    expect([res.status, res.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});
