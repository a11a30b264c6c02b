import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeloopConfigSchema } from '../../../src/config/schema.ts';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer, status, T0 } from './fixtures.ts';

/*
 * FixMyStreet's Open311::GetUpdates asks for every open report of a body in one call,
 * `requests.xml?jurisdiction_id=&api_key=&service_request_id=<all ids joined by ','>`. A body with
 * more open reports than the cap got a 400 on every run, and so no updates at all.
 */
const projection = new StatusProjection();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  for (const id of ['S1', 'S2']) projection.apply(status(id, 1, { requestedAt: T0 }));
  // The server's defaults, as `closeloop status-api` runs with `statusApi: {}`.
  const { maxIdsPerRequest } = closeloopConfigSchema.shape.statusApi.unwrap().parse({});
  ({ server, base } = await startServer(projection, { maxIdsPerRequest }));
});
afterAll(() => server.stop());

const ids = (n: number) => [
  'S1',
  'S2',
  ...Array.from({ length: n - 2 }, (_, i) => `FMS-${String(i).padStart(6, '0')}`),
];
const parser = new XMLParser({ isArray: (name) => name === 'request' || name === 'history' });

describe('a lookup of as many ids as a URL holds', () => {
  it.each([51, 500, 1000])(
    'answers %i ids, FixMyStreet-style, with the known requests and without histories',
    async (n) => {
      const res = await fetch(`${base}/requests.xml?jurisdiction_id=&api_key=&service_request_id=${ids(n).join(',')}`);
      expect(res.status).toBe(200);
      const body = parser.parse(await res.text()) as { service_requests: { request: Record<string, unknown>[] } };
      const found = body.service_requests.request;
      expect(found.map((r) => r['service_request_id'])).toEqual(['S1', 'S2']);
      expect(found.every((r) => r['history'] === undefined && r['status'] === 'open')).toBe(true);
    },
  );

  it('keeps the histories of a short list', async () => {
    const res = await fetch(`${base}/requests.json?service_request_id=${ids(50).join(',')}`);
    expect(res.status).toBe(200);
    const found = (await res.json()) as Record<string, unknown>[];
    expect(found.map((r) => r['history'])).toEqual([expect.any(Array), expect.any(Array)]);
  });

  it('refuses more than the cap, saying how many it takes', async () => {
    const res = await fetch(`${base}/requests.json?service_request_id=${ids(1001).join(',')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('At most 1000 service_request_id values');
  });

  it('takes a cap of up to 1000 in the config', () => {
    const statusApi = closeloopConfigSchema.shape.statusApi.unwrap();
    expect(statusApi.parse({ maxIdsPerRequest: 1000 }).maxIdsPerRequest).toBe(1000);
    expect(statusApi.safeParse({ maxIdsPerRequest: 1001 }).success).toBe(false);
  });
});
