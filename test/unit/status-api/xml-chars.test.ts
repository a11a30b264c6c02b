import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestFacts, StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { georeportClient } from '../../support/georeport-client.ts';
import { xmlWellFormednessError } from '../../support/xml-well-formed.ts';
import { startServer, status, T0 } from './fixtures.ts';

const projection = new StatusProjection();
const facts = new RequestFacts();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  projection.apply(status('GOOD', 1, { requestedAt: T0, statusNote: 'Tab\there, line\nbreak, 🚧 <ok> & fine.' }));
  projection.apply(status('CTRL', 1, { requestedAt: T0 + 1, statusNote: 'Crew\u000Bassigned\u0001 \u001B[0m' }));
  projection.apply(status('ODD', 1, { requestedAt: T0 + 2, statusNote: 'odd \uFFFE \uFFFF and lone \uD800 \uDC00' }));
  facts.apply({
    ticketId: 'CTRL',
    serviceCode: 'POTHOLE',
    serviceName: 'Pothole\u0000',
    requestedAt: T0 + 1,
    channel: 'WEB',
    requestKind: 'SERVICE',
    location: { address: 'Main\u0008St', latitude: null, longitude: null, district: null },
    crmDueAt: null,
  });
  ({ server, base } = await startServer(projection, { facts, now: () => T0 + 86_400_000 }));
});
afterAll(() => server.stop());

const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'request' });

async function wellFormed(path: string): Promise<{ status: number; requests: Record<string, unknown>[] }> {
  const res = await fetch(`${base}${path}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(await xmlWellFormednessError(bytes)).toBe('');
  const doc = xml.parse(Buffer.from(bytes).toString('utf8')) as { service_requests: { request: [] } };
  return { status: res.status, requests: doc.service_requests.request };
}

describe('XML answers with characters XML 1.0 forbids', () => {
  it('keep a search well-formed, every ticket in it, each forbidden character as U+FFFD', async () => {
    const { status: code, requests } = await wellFormed('/requests.xml');
    expect(code).toBe(200);
    const byId = new Map(requests.map((r) => [r['service_request_id'], r]));
    expect([...byId.keys()]).toEqual(['ODD', 'CTRL', 'GOOD']);
    expect(byId.get('CTRL')).toMatchObject({
      status_notes: 'Crew\uFFFDassigned\uFFFD \uFFFD[0m',
      address: 'Main\uFFFDSt',
      service_name: 'Pothole\uFFFD',
    });
    expect(byId.get('ODD')?.['status_notes']).toBe('odd \uFFFD \uFFFD and lone \uFFFD \uFFFD');
    // What XML allows is kept as it was, astral characters included.
    expect(byId.get('GOOD')?.['status_notes']).toBe('Tab\there, line\nbreak, 🚧 <ok> & fine.');
  });

  it('keep a single request well-formed', async () => {
    expect((await wellFormed('/requests/CTRL.xml')).requests).toHaveLength(1);
  });

  it('reach an independent XML client (PyPI georeport, xmltodict on expat)', { timeout: 180_000 }, async () => {
    const [search] = await georeportClient(base, 'yeg', [{ format: 'xml', method: 'get_service_requests' }]);
    expect(((search as { ok: { service_request_id: string }[] }).ok ?? []).map((r) => r.service_request_id)).toEqual([
      'ODD',
      'CTRL',
      'GOOD',
    ]);
  });

  it('leave JSON as it was: JSON escapes control characters', async () => {
    const [ctrl] = (await (await fetch(`${base}/requests/CTRL.json`)).json()) as Record<string, unknown>[];
    expect(ctrl?.['status_notes']).toBe('Crew\u000Bassigned\u0001 \u001B[0m');
  });
});
