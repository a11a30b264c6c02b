import type { CloseloopConfig, StatusApiSettings } from '../config/index.ts';
import { AvroSerde, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { servicesFromRouting, StatusFeed, type StatusListener } from './feed.ts';
import { StatusProjection } from './projection.ts';
import { RequestFacts } from './request-facts.ts';
import { StatusApiServer, type SiteHandler } from './server.ts';

export interface StatusService {
  readonly url: string;
  readonly projection: StatusProjection;
  readonly facts: RequestFacts;
  stop(): Promise<void>;
}

/**
 * The public status API as its own small process: read models of the status topic and of the CRM
 * events' public fields, and the HTTP server in front of them. It holds no credentials of any
 * department or of the CRM.
 */
/** Web pages beside the API, built on the same read models (closeloop public). */
export type SiteFactory = (models: {
  readonly projection: StatusProjection;
  readonly facts: RequestFacts;
  serviceName(code: string): string | undefined;
}) => { readonly handler: SiteHandler; readonly onStatus: StatusListener };

export async function startStatusService(
  config: CloseloopConfig,
  settings: StatusApiSettings,
  messaging: Messaging,
  logger: Logger,
  siteFactory?: SiteFactory,
): Promise<StatusService> {
  const projection = new StatusProjection({ historyLimit: settings.historyLimit });
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const facts = new RequestFacts();
  const services = servicesFromRouting(config);
  const names = new Map(services.map((s) => [s.service_code, s.service_name]));
  const site = siteFactory?.({
    projection,
    facts,
    serviceName: (code) => facts.serviceName(code) ?? names.get(code),
  });
  const feed = new StatusFeed({ config, messaging, serde, projection, facts, onStatus: site?.onStatus, logger });
  await feed.start();
  const server = new StatusApiServer({
    host: settings.host,
    port: settings.port,
    projection,
    facts,
    services,
    publicUrl: settings.publicUrl ?? null,
    site: site?.handler,
    jurisdictionId: config.jurisdiction,
    rateLimit: settings.rateLimit,
    trustProxy: settings.trustProxy,
    maxIdsPerRequest: settings.maxIdsPerRequest,
    logger: logger.child({ component: 'status-api' }),
  });
  const url = await server.start();
  return {
    url,
    projection,
    facts,
    async stop() {
      await server.stop();
      await feed.stop();
    },
  };
}
