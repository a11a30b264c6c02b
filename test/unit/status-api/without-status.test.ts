import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RequestFacts,
  StatusProjection,
  type CrmFactSource,
  type StatusApiServer,
} from '../../../src/status-api/index.ts';
import { startServer, status, T0 } from './fixtures.ts';

/*
 * Requests the CRM told about that the bridge has sent no status for: an information request,
 * answered at first contact and never sent to a department, and a service request moments old.
 * The tracking page shows them; the API answers for them too, by id and in searches.
 */
const DAY = 86_400_000;
const projection = new StatusProjection();
const facts = new RequestFacts();
let server: StatusApiServer;
let base: string;

const fact = (ticketId: string, over: Partial<CrmFactSource>): CrmFactSource => ({
  ticketId,
  serviceCode: 'BULK',
  serviceName: 'Bulk pickup information',
  requestedAt: T0,
  channel: 'PHONE',
  requestKind: 'INFORMATION',
  location: null,
  crmDueAt: null,
  ...over,
});

beforeAll(async () => {
  projection.apply(status('R1', 1, { requestedAt: T0 }));
  facts.apply(fact('R1', { serviceCode: 'POTHOLE', serviceName: 'Pothole', requestKind: 'SERVICE' }));
  facts.apply(fact('I1', { requestedAt: T0 + DAY }));
  facts.apply(
    fact('N1', {
      requestedAt: T0 + 2 * DAY,
      serviceCode: 'POTHOLE',
      serviceName: 'Pothole',
      requestKind: 'SERVICE',
      crmDueAt: T0 + 9 * DAY,
      location: { address: '1200 N Charles St', latitude: 39.3, longitude: -76.6, district: 'Central' },
    }),
  );
  ({ server, base } = await startServer(projection, { facts, now: () => T0 + 10 * DAY }));
});
afterAll(() => server.stop());

const json = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>[] };
};

describe('a request without a status', () => {
  it('answers an information request by id, closed, answered at first contact', async () => {
    const { status: code, body } = await json('/requests/I1.json');
    expect(code).toBe(200);
    expect(body).toEqual([
      expect.objectContaining({
        service_request_id: 'I1',
        status: 'closed',
        service_code: 'BULK',
        service_name: 'Bulk pickup information',
        request_kind: 'information',
        closure_reason: 'NO_ACTION_REQUIRED',
        service_notice: 'Information request: answered at first contact; no work is scheduled.',
        requested_datetime: '2026-10-06T14:03:00Z',
        expected_datetime: null,
        agency_responsible: null,
      }),
    ]);
  });

  it('answers a service request moments old as open and received, with the CRM due date', async () => {
    const { body } = await json('/requests.json?service_request_id=N1,I1');
    expect(body.map((r) => [r['service_request_id'], r['status'], r['lifecycle_state']])).toEqual([
      ['N1', 'open', 'NEW'],
      ['I1', 'closed', 'RESOLVED'],
    ]);
    expect(body[0]).toMatchObject({ expected_datetime: '2026-10-14T14:03:00Z', address: '1200 N Charles St' });
  });

  it('answers in XML too', async () => {
    const res = await fetch(`${base}/requests/I1.xml`);
    const doc = new XMLParser({ parseTagValue: false }).parse(await res.text()) as {
      service_requests: { request: Record<string, unknown> };
    };
    expect([res.status, doc.service_requests.request['status']]).toEqual([200, 'closed']);
  });

  it.each([
    ['', ['N1', 'I1', 'R1']],
    ['?status=closed', ['I1']],
    ['?status=open', ['N1', 'R1']],
    ['?service_code=BULK', ['I1']],
    ['?start_date=2026-10-06T00:00:00Z', ['N1', 'I1']],
  ])('is listed by a search%s', async (query, ids) => {
    const { body } = await json(`/requests.json${query}`);
    expect(body.map((r) => r['service_request_id'])).toEqual(ids);
  });

  it('is not found when the CRM never told about it either', async () => {
    expect((await json('/requests/NOPE.json')).status).toBe(404);
  });
});

describe('a CRM record read with a writer schema that lacks a field', () => {
  it('is taken as one that names no service name, keeping the name given before', () => {
    const own = new RequestFacts();
    own.apply(fact('W1', { serviceName: 'Pothole' }));
    const { serviceName: _left, ...lacking } = fact('W1', {});
    expect(() => own.apply(lacking as CrmFactSource)).not.toThrow();
    expect(own.get('W1')?.serviceName).toBe('Pothole');
  });
});
