import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusApiServer } from '../../../src/status-api/index.ts';
import { IMG_NOTE, MONTH } from '../../support/public-fixture.ts';
import { startFixtureSite } from '../../support/public-site.ts';

let server: StatusApiServer;
let base: string;
beforeAll(async () => ({ server, base } = await startFixtureSite()));
afterAll(() => server.stop());

async function get(path: string): Promise<{ status: number; text: string; res: Response }> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), res };
}

describe('public pages without a browser', () => {
  it.each([
    ['/', 200],
    ['/track/S1', 200],
    ['/track/NOPE', 404],
    ['/track/%3Cscript%3E', 404],
    [`/performance?month=${MONTH}`, 200],
    ['/performance?month=2026-13', 400],
    ['/performance?month=2026-10&month=2026-09', 400],
    ['/departments', 200],
    ['/departments/transportation', 200],
    ['/departments/nobody', 404],
    ['/nowhere', 404],
  ])('%s answers %i as HTML with a strict content policy', async (path, code) => {
    const { status, res } = await get(path);
    expect(status).toBe(code);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('tracks an information request, which has no department status', async () => {
    const { status, text } = await get('/track/I1');
    expect(status).toBe(200);
    expect(text).toContain('Answered at first contact');
    expect(text).not.toContain('Status code');
  });

  it('sends the track form to the request page', async () => {
    const { status, res } = await get('/track?id=S1');
    expect([status, res.headers.get('location')]).toEqual([303, '/track/S1']);
    expect((await get('/track?id=')).status).toBe(400);
  });

  it('escapes source text', async () => {
    const { text } = await get('/track/S3');
    expect(text).not.toContain('<script>window.pwned');
    expect(text).not.toContain('<img src=x');
    expect(text).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;');
    expect(text).toContain(
      IMG_NOTE.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    );
  });

  it('downloads the month as CSV and JSON, named with the definition version', async () => {
    const csv = await get(`/performance.csv?month=${MONTH}`);
    expect(csv.res.headers.get('content-disposition')).toBe(
      `attachment; filename="closeloop-performance-${MONTH}-v3.csv"`,
    );
    expect(csv.text.split('\n')[1]).toBe(`${MONTH},3,requests_received,all,7`);
    const json = JSON.parse((await get(`/performance.json?month=${MONTH}`)).text) as Record<string, unknown>;
    expect(json).toMatchObject({ month: MONTH, definitionVersion: 3, received: 7 });
  });

  it('keeps the API beside the pages', async () => {
    expect((await get('/requests/S1.json')).status).toBe(200);
    const missing = await get('/nothing.json');
    expect([missing.status, missing.res.headers.get('content-type')]).toEqual([404, 'application/json; charset=utf-8']);
  });

  // A program that spells an API path a little differently reads a GeoReport error, not a page.
  it.each([
    ['/requests.JSON', 'application/json; charset=utf-8'],
    ['/requests.json/', 'application/json; charset=utf-8'],
    ['/Services.Json//', 'application/json; charset=utf-8'],
    ['/requests.XML', 'text/xml; charset=utf-8'],
    ['/requests/S1.xml/', 'text/xml; charset=utf-8'],
  ])('answers the near-miss API path %s with a GeoReport 404', async (path, type) => {
    const { status, text, res } = await get(path);
    expect([status, res.headers.get('content-type')]).toEqual([404, type]);
    expect(text).toContain(type.startsWith('text/xml') ? '<code>404</code>' : '"code":404');
  });
});
