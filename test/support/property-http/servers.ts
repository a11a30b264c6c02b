/**
 * The servers the HTTP properties fuzz, as the unit tests start them: the status API and the
 * public site (closeloop public) on loopback ports the system picks, over in-memory read models
 * holding tickets whose notes, service names and addresses carry contact data staff pasted in,
 * and the status API's ops listener over a feed that is caught up.
 */
import { RequestFacts, StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import { StatusOps } from '../../../src/status-api/ops.ts';
import { startServer, status, T0 } from '../../unit/status-api/fixtures.ts';
import { startFixtureSite } from '../public-site.ts';
import { fact } from '../public-fixture.ts';

/** Contact data planted in the read models; none of it may be served, in any form. */
export const PLANTED = [
  'Call 780-496-1234 or write jane.resident@example.org',
  'Owner bob.smith@mail.example.com, cell (780) 555-0199',
  'Ring +44 20 7946 0958',
  'Call 410.555.0142 at the door',
];
/** What of it must never show up: the parts a scrubbed text could still leak. */
export const SECRETS = [
  'jane.resident',
  'bob.smith',
  'mail.example.com',
  '496-1234',
  '4961234',
  '555-0199',
  '5550199',
  '7946 0958',
  '79460958',
  '555.0142',
  '5550142',
];

/** Ids the fixtures hold, on the API server and on the site; an id made by the generator is rarely one. */
export const API_IDS = ['T1', 'T2', 'PII', 'D', 'CS 4', 'a/b#c?d', 'é-1.json', 'FACT-ONLY'] as const;
export const SITE_IDS = ['S1', 'S2', 'S3', 'I1', 'D1', 'F1', 'PII-SITE'] as const;
/** statusApi.maxIdsPerRequest of the API server: over 50 ids, a lookup is answered as a search. */
export const MAX_IDS = 60;
/** When the API's clock says it is: the fixtures' requests fall in its default 90-day window. */
export const API_NOW = T0 + 86_400_000;

function plant(projection: StatusProjection, facts: RequestFacts, id: string): void {
  const [a = '', b = '', c = '', d = ''] = PLANTED;
  projection.apply(status(id, 1, { statusNote: a, requestedAt: T0, closureNote: b }));
  projection.apply(status(id, 2, { statusNote: `Crew booked. ${c}`, lifecycleState: 'SCHEDULED' }));
  facts.apply({
    ...fact(id, { requestedAt: T0, serviceName: `Pothole (${b})` }),
    location: { address: `12 Elm St. ${d}`, latitude: 53.5, longitude: -113.5, district: `Ward 1 ${a}` },
  });
}

export async function startApi(): Promise<{ server: StatusApiServer; base: string }> {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  projection.apply(status('T1', 1));
  projection.apply(status('T1', 2, { lifecycleState: 'ASSIGNED', statusNote: 'Assigned to a crew.' }));
  projection.apply(
    status('T2', 1, { crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', closureReason: 'WORK_COMPLETED' }),
  );
  projection.apply(status('D', 1, { lifecycleState: 'DUPLICATE', duplicateOf: 'PII' }));
  projection.apply(status('CS 4', 1, { requestedAt: T0 - 3_600_000, serviceCode: 'GRAFFITI' }));
  projection.apply(status('a/b#c?d', 1, { statusNote: 'Markup <b>&amp;</b> "quoted" \u0001 \uFFFE' }));
  projection.apply(status('é-1.json', 1));
  plant(projection, facts, 'PII');
  facts.apply(fact('FACT-ONLY', { requestedAt: T0, requestKind: 'INFORMATION', serviceName: PLANTED[3] ?? '' }));
  return startServer(projection, { facts, now: () => API_NOW, maxIdsPerRequest: MAX_IDS });
}

export function startSite(): Promise<{ server: StatusApiServer; base: string }> {
  return startFixtureSite(({ projection, facts }) => plant(projection, facts, 'PII-SITE'));
}

export async function startOps(): Promise<{ ops: StatusOps; base: string }> {
  const feed = { caughtUp: true, undecodable: 0, unbelievedDates: 0, health: () => null };
  const ops = new StatusOps({ host: '127.0.0.1', port: 0, feed, projection: { size: 3 }, defaultMetrics: false });
  const base = await ops.start();
  ops.running();
  return { ops, base };
}
