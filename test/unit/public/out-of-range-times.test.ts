import { describe, expect, it } from 'vitest';
import { PublicFigures } from '../../../src/public/figures.ts';
import { createSite } from '../../../src/public/site.ts';
import { RequestFacts, StatusProjection, type CrmFactSource } from '../../../src/status-api/index.ts';
import { status, T0 } from '../status-api/fixtures.ts';

/*
 * A CRM or a replay can carry a time no date can hold (1e16 ms: microseconds taken for
 * milliseconds, say). The API leaves such a time out; the tracking page does the same instead of
 * failing with a 500 or writing "Invalid DateTime".
 */
const FAR = 1e16;

function site() {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  const fact = (ticketId: string, over: Partial<CrmFactSource>): CrmFactSource => ({
    ticketId,
    serviceCode: 'POTHOLE',
    serviceName: 'Pothole',
    requestedAt: FAR,
    channel: 'WEB',
    requestKind: 'SERVICE',
    location: null,
    crmDueAt: FAR,
    ...over,
  });
  facts.apply(fact('BAD1', {}));
  facts.apply(fact('INFO1', { requestKind: 'INFORMATION' }));
  facts.apply(fact('S1', {}));
  projection.apply(status('S1', 1, { requestedAt: FAR, expectedAt: FAR }));
  const s2 = status('S2', 1, { requestedAt: T0 });
  projection.apply({ ...s2, envelope: { ...s2.envelope, occurredAt: -FAR } });
  const now = () => T0 + 86_400_000;
  const handler = createSite({
    projection,
    facts,
    figures: new PublicFigures(facts, 'America/New_York', now),
    cityName: 'Baltimore',
    targets: {},
    serviceName: (code) => facts.serviceName(code),
  });
  return (path: string) => handler(new URL(path, 'http://city.example'));
}

describe('a time out of any date range', () => {
  it.each([
    ['/track/BAD1', 'Received'],
    ['/track/INFO1', 'Answered at first contact'],
    ['/track/S1', 'Sent to the department'],
    ['/track/S2', 'Sent to the department'],
  ])('leaves %s its page, without that time', (path, words) => {
    const page = site()(path);
    expect(page?.status).toBe(200);
    expect(page?.body).toContain(words);
    expect(page?.body).not.toMatch(/Invalid|NaN/);
  });

  it.each(['/', '/performance', '/departments'])('leaves %s its page', (path) => {
    expect(site()(path)?.status).toBe(200);
  });
});
