import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDateTime } from '../../../src/status-api/georeport.ts';
import type { StatusApiServer } from '../../../src/status-api/index.ts';
import type { CrmFactSource } from '../../../src/status-api/request-facts.ts';
import { fact, status } from '../../support/public-fixture.ts';
import { startFixtureSite } from '../../support/public-site.ts';

/*
 * A CRM that counts its times in seconds, or in microseconds in a plain long, gives dates no one
 * meant. The API and the tracking page must not promise the work for January 1970 or the year
 * 58857, nor write a date no W3C parser reads (+058857-…), and must show the request time the
 * processor judges (the event's time) rather than the CRM's slip.
 */
const REPORTED = Date.UTC(2026, 9, 12, 15); // when the CRM sent the events
const DUE = Date.UTC(2026, 10, 20, 17);
const crm = (id: string, over: Partial<CrmFactSource>): CrmFactSource => ({
  ...fact(id, { requestedAt: Date.UTC(2026, 9, 12, 14), ...over }),
  envelope: { occurredAt: REPORTED, origin: 'crm' },
});

let server: StatusApiServer;
let base: string;
beforeAll(async () => {
  ({ server, base } = await startFixtureSite((p) => {
    p.facts.apply(crm('DUE-SEC', { crmDueAt: Math.floor(DUE / 1000) }));
    p.facts.apply(crm('DUE-MICRO', { crmDueAt: DUE * 1000 }));
    p.facts.apply(crm('DUE-OK', { crmDueAt: DUE }));
    // A status with neither an SLA target nor a department date: the CRM's due date is all there is.
    p.facts.apply(crm('ROUTED-SEC', { crmDueAt: Math.floor(DUE / 1000) }));
    p.projection.apply(status('ROUTED-SEC', 1, { requestedAt: Date.UTC(2026, 9, 12, 14) }));
    // However it got there, a date beyond year 9999 is written nowhere.
    p.projection.apply(status('FAR-1', 1, { requestedAt: Date.UTC(2026, 9, 12, 14), expectedAt: DUE * 1000 }));
    const info = { requestKind: 'INFORMATION', serviceCode: 'TRASH-INFO', serviceName: 'Trash day' } as const;
    p.facts.apply(crm('I-SEC', { ...info, requestedAt: Math.floor(Date.UTC(2026, 9, 12, 14) / 1000) }));
    p.facts.apply(crm('I-NULL', { ...info, requestedAt: null }));
  }));
});
afterAll(() => server.stop());

const json = async (path: string) => {
  const res = await fetch(base + path);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>[];
};
const trackField = async (id: string, name: string) =>
  new RegExp(`<dt>${name}</dt><dd>([^<]*)`).exec(await (await fetch(`${base}/track/${id}`)).text())?.[1];

describe('CRM dates no one meant', () => {
  it.each(['DUE-SEC', 'DUE-MICRO', 'ROUTED-SEC'])('%s: no expected date in the API or on the page', async (id) => {
    const [r] = await json(`/requests/${id}.json`);
    expect(r).toMatchObject({ status: 'open', expected_datetime: null, service_notice: null });
    expect(await trackField(id, 'Expected by')).toBeUndefined();
    const xml = await (await fetch(`${base}/requests/${id}.xml`)).text();
    expect(xml).not.toMatch(/1970|58857/);
  });

  it('keeps a CRM due date that is one', async () => {
    const [r] = await json('/requests/DUE-OK.json');
    expect(r).toMatchObject({ expected_datetime: '2026-11-20T17:00:00Z' });
    expect(await trackField('DUE-OK', 'Expected by')).toBe('Friday 20 November 2026');
  });

  it('writes no date outside the years 0000 to 9999, in JSON or XML', async () => {
    const [r] = await json('/requests/FAR-1.json');
    expect(r).toMatchObject({ expected_datetime: null, service_notice: null });
    expect(await (await fetch(`${base}/requests/FAR-1.xml`)).text()).not.toMatch(/\+0\d{5}|58857/);
    expect(isoDateTime(Date.UTC(9999, 11, 31, 23, 59, 59))).toBe('9999-12-31T23:59:59Z');
    expect(isoDateTime(Date.UTC(10000, 0, 1))).toBeNull();
    expect(isoDateTime(Date.UTC(-1, 0, 1))).toBeNull();
    expect(isoDateTime(Date.parse('0000-01-01T00:00:00Z'))).toBe('0000-01-01T00:00:00Z');
  });

  it.each(['I-SEC', 'I-NULL'])(
    '%s: the request time the processor judges, in the API, searches and the page',
    async (id) => {
      const [r] = await json(`/requests/${id}.json`);
      expect(r).toMatchObject({ requested_datetime: '2026-10-12T15:00:00Z', updated_datetime: '2026-10-12T15:00:00Z' });
      const found = await json(
        '/requests.json?start_date=2026-10-01T00:00:00Z&end_date=2026-10-31T00:00:00Z&service_code=TRASH-INFO',
      );
      expect(found.map((x) => x['service_request_id'])).toContain(id);
      expect(await trackField(id, 'Reported')).toBe('12 Oct 2026, 11:00');
    },
  );
});
