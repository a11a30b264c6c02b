import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IDENTIFIER_LENGTH } from '../../../src/domain/index.ts';
import { PublicFigures } from '../../../src/public/figures.ts';
import { createSite } from '../../../src/public/site.ts';
import { RequestFacts, StatusApiServer, StatusProjection, type CrmFactSource } from '../../../src/status-api/index.ts';
import { status, T0 } from '../status-api/fixtures.ts';

/* The tracking page finds what the API finds: any id the bridge holds, shown as text. */
const LONGEST = 'L'.repeat(MAX_IDENTIFIER_LENGTH - 1) + 'é';
const MARKUP = '<b onclick="x()">7</b>&amp;';
const IDS = ['CS 4', 'A/B#1', 'Ünïcode-7', 'Ü'.repeat(64), LONGEST, 'A 1.json', 'what?x=1', '100%', 'C+D', MARKUP];
const INFO = 'Info #9';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

let server: StatusApiServer;
let base: string;

beforeAll(async () => {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  for (const id of [...IDS, '.', '..']) projection.apply(status(id, 1, { requestedAt: T0 }));
  const fact: CrmFactSource = {
    ticketId: INFO,
    serviceCode: 'BULK',
    serviceName: 'Bulk pickup information',
    requestedAt: T0,
    channel: 'PHONE',
    requestKind: 'INFORMATION',
    location: null,
    crmDueAt: null,
  };
  facts.apply(fact);
  const now = () => T0 + 3_600_000;
  const site = createSite({
    projection,
    facts,
    figures: new PublicFigures(facts, 'UTC', now),
    cityName: 'Edmonton',
    targets: {},
    serviceName: (code) => facts.serviceName(code),
  });
  server = new StatusApiServer({
    host: '127.0.0.1',
    port: 0,
    projection,
    facts,
    services: [],
    jurisdictionId: 'yeg',
    rateLimit: null,
    now,
    site,
  });
  base = await server.start();
});
afterAll(() => server.stop());

async function get(path: string): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

describe('tracking a request by any id the bridge holds', () => {
  it.each([...IDS, INFO].map((id) => [id]))('shows %j, escaped', async (id) => {
    const page = await get(`/track/${encodeURIComponent(id)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Request ${escape(id)}`);
  });

  it.each([...IDS, INFO].map((id) => [id]))('sends the form for %j to its page', async (id) => {
    const form = await get(`/track?id=${encodeURIComponent(id)}`);
    expect([form.status, form.location]).toEqual([303, `/track/${encodeURIComponent(id)}`]);
    expect((await get(form.location ?? '')).status).toBe(200);
  });

  it('never writes markup from an id as markup', async () => {
    const { text } = await get(`/track/${encodeURIComponent(MARKUP)}`);
    expect(text).not.toContain('<b onclick');
    expect(text).toContain(escape(MARKUP));
  });

  // No ticket can have them (the processor refuses them: the CRM's API could not be called
  // about one), so even a projection that held one from before does not show it.
  it('refuses `.` and `..` from the form, as ids no URL path can carry', async () => {
    for (const id of ['.', '..']) {
      const page = await get(`/track?id=${id}`);
      expect(page.status).toBe(400);
      expect(page.text).toContain('A request number is more than a dot or two.');
      expect(page.text).not.toContain(`Request ${id}<`);
    }
  });

  // Any text up to the limit is a well-formed id: a link must not make the city's page say it.
  it('says an unknown well-formed id is not found, without repeating it', async () => {
    for (const id of ['Ünknown 9', 'NOPE-1']) {
      const page = await get(`/track/${encodeURIComponent(id)}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('We could not find that request');
      expect(page.text).not.toContain(id);
    }
  });

  it('refuses, as a 400, what can never be an id', async () => {
    const longer = encodeURIComponent(`${LONGEST}x`);
    for (const path of [`/track/${longer}`, '/track/CS%0A4', '/track/%E0%A4%A', '/track/%20']) {
      expect((await get(path)).status, path).toBe(400);
    }
    const form = await get(`/track?id=${longer}`);
    expect(form.status).toBe(400);
    expect(form.text).toContain(`at most ${MAX_IDENTIFIER_LENGTH} characters`);
  });

  it('lets the form take the longest id', async () => {
    const { text } = await get('/');
    expect(text).toContain(`maxlength="${MAX_IDENTIFIER_LENGTH}"`);
  });
});
