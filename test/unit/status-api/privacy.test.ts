import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer, type StatusRecord } from '../../../src/status-api/index.ts';
import { startServer, status } from './fixtures.ts';

const EMAIL = 'ada.lovelace@example.org';
const PHONE = '780-496-1234';
const INTL_PHONE = '+44 20 7946 0958';
const DESCRIPTION = 'Huge pothole outside 12 Main St, my name is Ada';
const SECRETS = [EMAIL, PHONE, INTL_PHONE, DESCRIPTION, '12 Main St', 'XRAW42', 'closure note for staff'];

const logs: unknown[] = [];
const logger = { info: (obj: unknown) => logs.push(obj), error: (obj: unknown) => logs.push(obj) };
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  const projection = new StatusProjection();
  const leaky = (id: string, version: number, over: Partial<StatusRecord> = {}): StatusRecord =>
    ({
      ...status(id, version, over),
      description: DESCRIPTION,
      address: '12 Main St',
      closureNote: `closure note for staff, call ${PHONE}`,
      workOrders: [
        { workOrderId: 'W1', department: 'roads', system: 'maximo', state: 'ASSIGNED', rawStatus: 'XRAW42' },
      ],
    }) as StatusRecord;
  projection.apply(leaky('P', 1, { statusNote: `Resident (${EMAIL}) says it is worse` }));
  projection.apply(leaky('P', 2, { statusNote: `Crew to call ${PHONE} or ${INTL_PHONE} on arrival` }));
  projection.apply(leaky('D', 1, { lifecycleState: 'DUPLICATE', duplicateOf: 'P', statusNote: `Dup, ${EMAIL}` }));
  ({ server, base } = await startServer(projection, { logger }));
});
afterAll(() => server.stop());

describe('no citizen contact data leaves the API', () => {
  it.each(['/requests/P.json', '/requests/D.json', '/requests.json?service_request_id=P,D'])(
    '%s carries no e-mail, phone, description or raw code',
    async (path) => {
      const res = await fetch(`${base}${path}`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toContain('[redacted]');
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    },
  );

  it('redacts the notes in place and keeps the rest of the words', async () => {
    const [p] = (await (await fetch(`${base}/requests/P.json`)).json()) as { history: { status_notes: string }[] }[];
    expect(p?.history.map((h) => h.status_notes)).toEqual([
      'Resident ([redacted]) says it is worse',
      'Crew to call [redacted] or [redacted] on arrival',
    ]);
  });

  it('logs method, route template and status only', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).toEqual({ method: 'GET', route: expect.stringMatching(/^\/requests/), status: 200 });
      expect(JSON.stringify(line)).not.toMatch(/"P"|"D"|service_request_id=/);
    }
  });
});
