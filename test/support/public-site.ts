import { PublicFigures } from '../../src/public/figures.ts';
import { createSite } from '../../src/public/site.ts';
import { RequestFacts, StatusApiServer, StatusProjection } from '../../src/status-api/index.ts';
import { loadFixture, NOW, ZONE } from './public-fixture.ts';

type Targets = Parameters<typeof createSite>[0]['targets'];

/** The public site's parts over the known fixture, at the fixture's NOW. */
export function fixtureSiteParts(targets: Targets = {}) {
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  const figures = new PublicFigures(facts, ZONE, () => NOW);
  loadFixture({ projection, facts, figures });
  const site = createSite({
    projection,
    facts,
    figures,
    cityName: 'Baltimore',
    targets,
    serviceName: (code) => facts.serviceName(code),
  });
  return { projection, facts, figures, site };
}

/**
 * The public site over the known fixture, on a free port, as `closeloop public` serves it; `more`
 * adds records of a test's own.
 */
export async function startFixtureSite(
  more?: (parts: ReturnType<typeof fixtureSiteParts>) => void,
): Promise<{ server: StatusApiServer; base: string }> {
  const parts = fixtureSiteParts({ transportation: { responsePct: 90, completionPct: 80 } });
  more?.(parts);
  const { projection, facts, site } = parts;
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
