import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IDENTIFIER_LENGTH } from '../../../src/domain/index.ts';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer, status, T0 } from './fixtures.ts';

/*
 * Ids the processor takes from a CRM, however they are written: whatever search lists must be
 * found by `encodeURIComponent(id)` in the path, as an Open311 client builds the URL. None fits
 * the rule lookups had before (1–64 of letters, digits, `.`, `_`, `:`, `-`, starting with a letter
 * or digit), so each case fails under it.
 */
const LONGEST = 'L'.repeat(MAX_IDENTIFIER_LENGTH - 1) + 'é';
const IDS = [
  'CS 4',
  'A/B#1',
  'Ünïcode-7',
  'Ü'.repeat(64),
  'x'.repeat(65),
  LONGEST,
  'A 1.json',
  'B 2.xml',
  'what?x=1&y=2',
  '100%',
  'C+D',
  '<b>"&\'</b>',
  '...',
  '.x',
  '工单 17',
  'a,b',
];

const projection = new StatusProjection();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  for (const id of IDS) projection.apply(status(id, 1, { requestedAt: T0 }));
  ({ server, base } = await startServer(projection, { maxIdsPerRequest: 20, now: () => T0 + 3_600_000 }));
});
afterAll(() => server.stop());

async function get(path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
    text,
  };
}

const idsOf = (body: unknown) => (body as { service_request_id: string }[]).map((r) => r.service_request_id);
const error = (code: number, description: string | RegExp = expect.any(String) as string) => [{ code, description }];

describe('ticket ids of any form', () => {
  it.each(IDS.map((id) => [id]))('finds %j by path, in JSON and XML', async (id) => {
    const path = `/requests/${encodeURIComponent(id)}`;
    const json = await get(`${path}.json`);
    expect(json.status).toBe(200);
    expect(idsOf(json.body)).toEqual([id]);
    const xml = await get(`${path}.xml`);
    expect(xml.status).toBe(200);
    const doc = new XMLParser({ parseTagValue: false }).parse(xml.text) as {
      service_requests: { request: { service_request_id: string } };
    };
    expect(doc.service_requests.request.service_request_id).toBe(id);
  });

  it('finds by path every id that a search lists', async () => {
    const search = await get('/requests.json');
    expect(search.status).toBe(200);
    const listed = idsOf(search.body);
    expect([...listed].sort()).toEqual([...IDS].sort());
    for (const id of listed) expect((await get(`/requests/${encodeURIComponent(id)}.json`)).status).toBe(200);
  });

  it('finds several in a service_request_id list, in the order asked', async () => {
    const asked = ['Ünïcode-7', 'CS 4', 'A/B#1', LONGEST, 'C+D', '100%', 'what?x=1&y=2'];
    const { status: code, body } = await get(
      `/requests.json?service_request_id=${asked.map(encodeURIComponent).join(',')}`,
    );
    expect(code).toBe(200);
    expect(idsOf(body)).toEqual(asked);
    const repeated = await get(
      `/requests.json?${asked.map((id) => `service_request_id=${encodeURIComponent(id)}`).join('&')}`,
    );
    expect(idsOf(repeated.body)).toEqual(asked);
  });

  it('splits a list at commas, so an id with a comma is found by path only', async () => {
    const listed = await get(`/requests.json?service_request_id=${encodeURIComponent('a,b')}`);
    expect(listed).toMatchObject({ status: 404, body: error(404) });
    expect((await get(`/requests/${encodeURIComponent('a,b')}.json`)).status).toBe(200);
  });

  it('answers 404, without the id, for a well-formed id it does not know', async () => {
    for (const id of ['Ünknown 9', 'z'.repeat(MAX_IDENTIFIER_LENGTH), '<i>nope</i>']) {
      const one = await get(`/requests/${encodeURIComponent(id)}.json`);
      expect(one).toMatchObject({ status: 404, body: error(404, 'No service request has that service_request_id.') });
      expect(one.text).not.toContain(id.slice(0, 5));
      const many = await get(`/requests.json?service_request_id=${encodeURIComponent(id)}`);
      expect(many).toMatchObject({ status: 404, body: error(404) });
    }
  });

  it.each([
    ['longer than the longest id the bridge keeps', encodeURIComponent(`${LONGEST}x`)],
    ['that is empty', ''],
    ['that is blank', '%20%20'],
    ['holding a line break', 'CS%0A4'],
    ['holding a NUL', 'CS%004'],
    ['holding a C1 control', 'CS%C2%854'],
    ['written with a broken escape', '%E0%A4%A'],
    ['escaping no UTF-8', 'CS%FF4'],
    // No ticket can have them: a URL path takes them for "this" and "the parent" segment.
    ['that is a dot segment, "."', '.'],
    ['that is a dot segment, ".."', '..'],
  ])('answers 400 in GeoReport format for an id %s', async (_case, raw) => {
    for (const format of ['json', 'xml'] as const) {
      const { status: code, text } = await get(`/requests/${raw}.${format}`);
      expect(code).toBe(400);
      expect(text).toContain('Not a valid service_request_id.');
      if (format === 'xml') expect(text).toMatch(/^<\?xml[^>]*\?><errors><error><code>400<\/code>/);
    }
  });

  it('answers 400 for a list holding an id that can never be one', async () => {
    const longer = encodeURIComponent(`${LONGEST}x`);
    expect(await get(`/requests.json?service_request_id=CS%204,${longer}`)).toMatchObject({
      status: 400,
      body: error(400, 'Not a valid service_request_id.'),
    });
    expect(await get('/requests.json?service_request_id=CS%204,A%01B')).toMatchObject({ status: 400 });
  });

  it('reads jurisdiction_id without regard to case', async () => {
    for (const j of ['yeg', 'YEG', 'Yeg']) {
      expect((await get(`/requests/CS%204.json?jurisdiction_id=${j}`)).status).toBe(200);
      expect((await get(`/requests.json?service_request_id=CS%204&jurisdiction_id=${j}`)).status).toBe(200);
      expect((await get(`/services.json?jurisdiction_id=${j}`)).status).toBe(200);
    }
    expect(await get('/requests/CS%204.json?jurisdiction_id=YYC')).toMatchObject({ status: 404, body: error(404) });
  });
});
