import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestFacts, StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { georeportClient, type ClientCall } from '../../support/georeport-client.ts';
import { startServer, status, T0 } from './fixtures.ts';

const DAY = 86_400_000;
const NOW = T0 + 10 * DAY;
const projection = new StatusProjection();
const facts = new RequestFacts();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  // R1 and R2 are recent; OLD is outside the default 90 days; INFO is an information request.
  projection.apply(status('R1', 1, { requestedAt: T0 }));
  projection.apply(status('R2', 1, { requestedAt: T0 + DAY, serviceCode: 'GRAFFITI' }));
  projection.apply(
    status('R2', 2, {
      requestedAt: T0 + DAY,
      serviceCode: 'GRAFFITI',
      crmStatus: 'CLOSED',
      lifecycleState: 'RESOLVED',
    }),
  );
  projection.apply(status('OLD', 1, { requestedAt: T0 - 120 * DAY }));
  projection.apply(status('INFO', 1, { requestedAt: T0 + 2 * DAY, serviceCode: 'BULK' }));
  facts.apply({
    ticketId: 'R1',
    serviceCode: 'POTHOLE',
    serviceName: 'Pothole <script>alert(1)</script>',
    requestedAt: T0,
    channel: 'WEB',
    requestKind: 'SERVICE',
    location: { address: '1200 N Charles St', latitude: 39.3043, longitude: -76.6163, district: 'Central' },
    crmDueAt: null,
  });
  facts.apply({
    ticketId: 'INFO',
    serviceCode: 'BULK',
    serviceName: 'Bulk pickup information',
    requestedAt: T0 + 2 * DAY,
    channel: 'PHONE',
    requestKind: 'INFORMATION',
    location: null,
    crmDueAt: null,
  });
  ({ server, base } = await startServer(projection, { facts, now: () => NOW }));
});
afterAll(() => server.stop());

const xml = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['request', 'service', 'error', 'entry'].includes(name),
});

async function getXml(
  path: string,
): Promise<{ status: number; doc: Record<string, unknown>; type: string | null; text: string }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    doc: xml.parse(text) as Record<string, unknown>,
    type: res.headers.get('content-type'),
    text,
  };
}
const ids = (list: unknown): unknown[] => (list as { service_request_id: string }[]).map((r) => r.service_request_id);

describe('GeoReport v2 search', () => {
  it('defaults to the last 90 days, newest first', async () => {
    const body = (await (await fetch(`${base}/requests.json`)).json()) as unknown[];
    expect(ids(body)).toEqual(['INFO', 'R2', 'R1']);
  });

  // Up to a thousand requests with up to 50 entries each made a default search 14 MB.
  it("leaves each request's history out of a search, in JSON and XML; asked for by id, it is there", async () => {
    const found = (await (await fetch(`${base}/requests.json`)).json()) as Record<string, unknown>[];
    expect(ids(found)).toEqual(['INFO', 'R2', 'R1']);
    for (const r of found) expect(r).not.toHaveProperty('history');
    expect(found[1]).toMatchObject({ service_request_id: 'R2', status: 'closed', lifecycle_state: 'RESOLVED' });
    const { doc } = await getXml('/requests.xml');
    const requests = (doc['service_requests'] as { request: Record<string, unknown>[] }).request;
    expect(requests.map((r) => [r['service_request_id'], 'history' in r])).toEqual([
      ['INFO', false],
      ['R2', false],
      ['R1', false],
    ]);
    for (const path of ['/requests/R2.json', '/requests.json?service_request_id=R2']) {
      const [one] = (await (await fetch(`${base}${path}`)).json()) as { history: { version: number }[] }[];
      expect(one?.history.map((h) => h.version)).toEqual([1, 2]);
    }
    const single = await getXml('/requests/R2.xml');
    expect(single.text).toContain('<history><entry><version>1</version>');
  });

  it.each([
    ['status=closed', ['R2']],
    ['status=open,closed&service_code=GRAFFITI,POTHOLE', ['R2', 'R1']],
    ['start_date=2026-10-06T00:00:00Z', ['INFO', 'R2']],
    ['end_date=2026-10-05T23:59:59Z', ['R1']],
    ['start_date=2026-05-01T00:00:00Z&end_date=2026-07-01T00:00:00Z', ['OLD']],
    ['service_code=NONE', []],
    // More than three digits of a second, as Python's isoformat and Ruby's xmlschema(6) write.
    ['start_date=2026-10-06T00:00:00.123456Z', ['INFO', 'R2']],
    ['start_date=2026-10-06T02:00:00.123456%2B02:00', ['INFO', 'R2']],
    // The same zone not percent-encoded: the query's `+` reads as a space.
    ['start_date=2026-10-06T02:00:00+02:00', ['INFO', 'R2']],
    ['start_date=2026-10-06T04:00:00+04:00', ['INFO', 'R2']],
    ['end_date=2026-10-06T01:59:59+02:00', ['R1']],
    ['end_date=2026-10-05T23:59:59.999999999Z', ['R1']],
    ['end_date=2026-10-05T14:03:00.1Z', ['R1']],
    // Cut, not rounded: R1 was requested at 14:03:00.000.
    ['start_date=2026-10-05T14:03:00.0009Z&end_date=2026-10-05T14:03:00.0009Z', ['R1']],
    // GeoReport v2: an optional parameter passed empty is not passed; forms send every field.
    ...[
      'start_date=',
      'end_date=',
      'status=',
      'service_code=',
      'service_request_id=',
      'service_request_id=,',
      'start_date=&end_date=&status=&service_code=&service_request_id=&jurisdiction_id=',
    ].map((query): [string, string[]] => [query, ['INFO', 'R2', 'R1']]),
    ['start_date=&start_date=2026-10-06T00:00:00Z', ['INFO', 'R2']],
    // The zone in ISO 8601's basic format (PHP's DATE_ISO8601, Java's SimpleDateFormat Z, Python's
    // %z), encoded or not, and RFC 3339's lower-case t and z.
    ['start_date=2026-10-05T16:03:00%2B0200', ['INFO', 'R2', 'R1']],
    ['start_date=2026-10-05T16:03:01%2B0200', ['INFO', 'R2']],
    ['start_date=2026-10-06T02:00:00%2B0200', ['INFO', 'R2']],
    ['start_date=2026-10-06T02:00:00+0200', ['INFO', 'R2']],
    ['end_date=2026-10-05T10:03:00-0400', ['R1']],
    ['end_date=2026-10-05T10:02:59-0400', []],
    ['start_date=2026-10-06T00:00:00z', ['INFO', 'R2']],
    ['start_date=2026-10-06t00:00:00Z', ['INFO', 'R2']],
    // A bare end date is that whole day: "up to the 5th" includes the 5th.
    ['end_date=2026-10-05', ['R1']],
    ['start_date=2026-10-05&end_date=2026-10-05', ['R1']],
    ['start_date=2026-10-05&end_date=2026-10-06', ['R2', 'R1']],
    ['start_date=2026-10-06&end_date=2026-10-06T00:00:00Z', []],
    // Dates 90 days apart are still a 90-day search, with the last day whole.
    ['start_date=2026-07-07&end_date=2026-10-05', ['R1']],
  ])('filters by %s', async (query, expected) => {
    const res = await fetch(`${base}/requests.json?${query}`);
    expect(res.status).toBe(200);
    expect(ids(await res.json())).toEqual(expected);
  });

  // Without a zone a time names a different instant in each: a guess would search the wrong hours.
  it.each(['start_date=2026-10-06T00:00:00', 'end_date=2026-10-06T12:30', 'end_date=2026-10-06T12:30:00.5'])(
    'refuses %s, a time without a zone, saying so, with 400',
    async (query) => {
      const res = await fetch(`${base}/requests.json?${query}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual([{ code: 400, description: expect.stringMatching(/needs a time zone/) }]);
    },
  );

  // Date.parse would roll these over to a real date nearby and search a window nobody asked for.
  it.each([
    'start_date=2026-09-31',
    'start_date=2026-02-29T00:00:00Z',
    'end_date=2026-02-30T00:00:00Z',
    'end_date=2026-10-00',
    'end_date=2026-13-01',
    'end_date=2026-10-10T24:00:00Z',
    'end_date=2026-10-10T23:60:00Z',
    'end_date=2026-10-10T23:59:60Z',
    'end_date=2026-10-10T10:00:00%2B24:00',
    'end_date=2026-10-10T10:00:00-05:60',
  ])('refuses a date that does not exist, %s, with 400', async (query) => {
    const res = await fetch(`${base}/requests.json?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([{ code: 400, description: expect.stringMatching(/W3C date-time/) }]);
  });

  it('accepts the 29th of February of a leap year and the last minute of a day', async () => {
    const leap = await fetch(`${base}/requests.json?start_date=2028-02-29&end_date=2028-02-29T23:59:59.999Z`);
    expect([leap.status, await leap.json()]).toEqual([200, []]);
  });

  it.each([
    'start_date=yesterday',
    'status=pending',
    'start_date=2026-10-06T00:00:00Z&end_date=2026-10-01T00:00:00Z',
    // A space stands for a zone's `+` only right before its hh:mm: anywhere else it is refused.
    'start_date=2026-10-06%2000:00:00Z',
    'start_date=2026-10-06T00:00:00%20%2002:00',
    'start_date=2026-10-06T00:00:00Z%2002:00',
  ])('refuses %s with 400', async (query) => expect((await fetch(`${base}/requests.json?${query}`)).status).toBe(400));
});

describe('GeoReport v2 fields from the CRM', () => {
  it('names the service as the CRM does, with the public location and a notice', async () => {
    const [r1] = (await (await fetch(`${base}/requests/R1.json`)).json()) as Record<string, unknown>[];
    expect(r1).toMatchObject({
      service_name: 'Pothole <script>alert(1)</script>',
      address: '1200 N Charles St',
      lat: 39.3043,
      long: -76.6163,
      district: 'Central',
      request_kind: 'service',
    });
    const [info] = (await (await fetch(`${base}/requests/INFO.json`)).json()) as Record<string, unknown>[];
    expect(info?.['service_notice']).toMatch(/answered at first contact/);
    const services = (await (await fetch(`${base}/services.json`)).json()) as Record<string, unknown>[];
    expect(services.find((s) => s['service_code'] === 'POTHOLE')?.['service_name']).toBe(
      'Pothole <script>alert(1)</script>',
    );
  });
});

describe('GeoReport v2 XML', () => {
  it('wraps requests in service_requests/request, escaped, with UTF-8 declared', async () => {
    const { status: code, doc, type, text } = await getXml('/requests/R1.xml');
    expect([code, type]).toEqual([200, 'text/xml; charset=utf-8']);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(text).not.toContain('<script>');
    const requests = (doc['service_requests'] as { request: Record<string, unknown>[] }).request;
    expect(requests[0]).toMatchObject({
      service_request_id: 'R1',
      status: 'open',
      lat: '39.3043',
      address: '1200 N Charles St',
    });
  });

  it('answers services, discovery, a service definition and errors in XML', async () => {
    const services = await getXml('/services.xml');
    expect((services.doc['services'] as { service: unknown[] }).service).toHaveLength(2);
    const discovery = await getXml('/discovery.xml');
    expect(discovery.doc['discovery']).toMatchObject({
      endpoints: { endpoint: { specification: 'http://wiki.open311.org/GeoReport_v2', url: base } },
    });
    expect((await getXml('/services/POTHOLE.xml')).doc['service_definition']).toMatchObject({
      service_code: 'POTHOLE',
    });
    const missing = await getXml('/requests/NOPE.xml');
    expect(missing.status).toBe(404);
    expect((missing.doc['errors'] as { error: unknown[] }).error[0]).toMatchObject({ code: '404' });
  });

  it('serves discovery.json', async () => {
    const d = (await (await fetch(`${base}/discovery.json`)).json()) as { endpoints: { formats: string[] }[] };
    expect(d.endpoints[0]?.formats).toEqual(['text/xml', 'application/json']);
  });
});

describe('an independent Open311 client (PyPI georeport 0.3.1)', () => {
  it('reads services, a search and a single request, in JSON and in XML', { timeout: 180_000 }, async () => {
    const results = await georeportClient(base, 'yeg', [
      ...(['json', 'xml'] as const).flatMap((format): ClientCall[] => [
        { format, method: 'get_service_list' },
        { format, method: 'get_service_requests', args: { status: 'open', service_code: 'POTHOLE' } },
        { format, method: 'get_service_request', args: { service_request_id: 'R1' } },
      ]),
      { format: 'xml', method: 'get_service_request', args: { service_request_id: 'NOPE' } },
      // A date as Python's isoformat writes it, with microseconds.
      { format: 'json', method: 'get_service_requests', args: { start_date: '2026-10-06T00:00:00.000001+00:00' } },
    ]);
    const [jsonServices, jsonSearch, jsonOne, xmlServices, xmlSearch, xmlOne, missing, since] = results;
    for (const services of [jsonServices, xmlServices]) {
      expect((services as { ok: { service_code: string }[] }).ok.map((s) => s.service_code)).toEqual([
        'POTHOLE',
        'GRAFFITI',
      ]);
    }
    expect(ids((jsonSearch as { ok: unknown[] }).ok)).toEqual(['R1']);
    // xmltodict gives a lone <request> as an object, several as a list.
    expect((xmlSearch as { ok: unknown }).ok).toMatchObject({ service_request_id: 'R1' });
    for (const one of [jsonOne, xmlOne]) {
      expect((one as { ok: unknown }).ok).toMatchObject({ service_request_id: 'R1', address: '1200 N Charles St' });
    }
    expect(missing).toEqual({ error: 'HTTPError', status: 404 });
    expect(ids((since as { ok: unknown[] }).ok)).toEqual(['INFO', 'R2']);
  });
});
