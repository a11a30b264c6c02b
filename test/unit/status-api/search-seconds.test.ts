import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { startServer, status, T0 } from './fixtures.ts';

// requested_datetime is shown to the second; requests are kept to the millisecond. A client that
// pages through a search by the oldest time it was shown must find every request shown with it.
const SHOWN = T0 + 30_000;
const projection = new StatusProjection();
let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  projection.apply(status('EARLY', 1, { requestedAt: SHOWN - 1 }));
  projection.apply(status('AT', 1, { requestedAt: SHOWN }));
  projection.apply(status('LATE-IN-SECOND', 1, { requestedAt: SHOWN + 999 }));
  projection.apply(status('NEXT', 1, { requestedAt: SHOWN + 1_000 }));
  ({ server, base } = await startServer(projection, { now: () => T0 + 86_400_000 }));
});
afterAll(() => server.stop());

async function search(query: string): Promise<{ id: string; at: string }[]> {
  const res = await fetch(`${base}/requests.json?${query}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { service_request_id: string; requested_datetime: string }[];
  return body.map((r) => ({ id: r.service_request_id, at: r.requested_datetime }));
}

describe('a search by date compares requested_datetime as shown, to the second', () => {
  it('shows the requests of one second with one time', async () => {
    const all = await search('start_date=2026-10-05T14:03:00Z&end_date=2026-10-05T14:04:00Z');
    expect(all.filter((r) => r.id === 'AT' || r.id === 'LATE-IN-SECOND').map((r) => r.at)).toEqual([
      '2026-10-05T14:03:30Z',
      '2026-10-05T14:03:30Z',
    ]);
  });

  it.each([
    ['end_date=2026-10-05T14:03:30Z', ['LATE-IN-SECOND', 'AT', 'EARLY']],
    ['start_date=2026-10-05T14:03:30Z', ['NEXT', 'LATE-IN-SECOND', 'AT']],
    ['start_date=2026-10-05T14:03:30Z&end_date=2026-10-05T14:03:30Z', ['LATE-IN-SECOND', 'AT']],
    // A bare end date is its whole day, even a day that starts before the start time.
    ['start_date=2026-10-05T14:03:30Z&end_date=2026-10-05', ['NEXT', 'LATE-IN-SECOND', 'AT']],
    // A fraction asks within the second: the second shown meets it.
    ['start_date=2026-10-05T14:03:30.5Z&end_date=2026-10-05T14:03:30.5Z', ['LATE-IN-SECOND', 'AT']],
    ['start_date=2026-10-05T14:03:29.999Z&end_date=2026-10-05T14:03:29.999Z', ['EARLY']],
  ])('%s finds every request shown in that second', async (query, expected) => {
    expect((await search(query)).map((r) => r.id)).toEqual(expected);
  });

  it('never repeats the date it refuses in its answer', async () => {
    const res = await fetch(`${base}/requests.json?start_date=2026-10-05T14:03:30`);
    expect(res.status).toBe(400);
    const [error] = (await res.json()) as { description: string }[];
    expect(error?.description).toMatch(/needs a time zone/);
    expect(error?.description).not.toContain('14:03:30');
  });
});
