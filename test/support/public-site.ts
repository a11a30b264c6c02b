import { PublicFigures } from '../../src/public/figures.ts';
import { createSite } from '../../src/public/site.ts';
import { RequestFacts, StatusApiServer, StatusProjection } from '../../src/status-api/index.ts';
import { loadFixture, NOW, ZONE } from './public-fixture.ts';

/** The public site over the known fixture, on a free port, as `closeloop public` serves it. */
export async function startFixtureSite(): Promise<{ server: StatusApiServer; base: string }> {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  const figures = new PublicFigures(facts, ZONE, () => NOW);
  loadFixture({ projection, facts, figures });
  const site = createSite({
    projection,
    facts,
    figures,
    cityName: 'Baltimore',
    targets: { transportation: { responsePct: 90, completionPct: 80 } },
    serviceName: (code) => facts.serviceName(code),
  });
  const server = new StatusApiServer({
    host: '127.0.0.1',
    port: 0,
    projection,
    facts,
    services: [],
    jurisdictionId: 'bmore',
    rateLimit: null,
    now: () => NOW,
    site,
  });
  return { server, base: await server.start() };
}
