import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer } from './fixtures.ts';

/** A projection that fails on one id, as a fault in the API itself would. */
class FaultyProjection extends StatusProjection {
  override get(id: string) {
    if (id === 'BOOM') throw new Error('injected fault');
    return super.get(id);
  }
}

let server: StatusApiServer;
let base: string;
const logged: unknown[] = [];

beforeAll(async () => {
  ({ server, base } = await startServer(new FaultyProjection(), {
    logger: { info: () => undefined, error: (o: unknown) => logged.push(o) },
  }));
});
afterAll(() => server.stop());

describe('a fault in the status API', () => {
  it.each(['/requests/BOOM.xml', '/requests.xml?service_request_id=BOOM'])(
    'answers %s with a 500 in XML',
    async (path) => {
      const res = await fetch(`${base}${path}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([500, 'text/xml; charset=utf-8']);
      const doc = new XMLParser({ parseTagValue: false }).parse(await res.text()) as unknown;
      expect(doc).toMatchObject({ errors: { error: { code: '500', description: 'Internal error.' } } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    },
  );

  it('answers a JSON URL with a 500 in JSON, and logs the fault', async () => {
    const res = await fetch(`${base}/requests/BOOM.json`);
    expect([res.status, res.headers.get('content-type')]).toEqual([500, 'application/json; charset=utf-8']);
    expect(await res.json()).toEqual([{ code: 500, description: 'Internal error.' }]);
    expect(logged).toContainEqual({ err: expect.objectContaining({ message: 'injected fault' }) });
  });
});
