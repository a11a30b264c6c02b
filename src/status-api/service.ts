import type { CloseloopConfig, StatusApiSettings } from '../config/index.ts';
import { AvroSerde, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { servicesFromRouting, StatusFeed } from './feed.ts';
import { StatusProjection } from './projection.ts';
import { RequestFacts } from './request-facts.ts';
import { StatusApiServer } from './server.ts';

export interface StatusService {
  readonly url: string;
  readonly projection: StatusProjection;
  readonly facts: RequestFacts;
  stop(): Promise<void>;
}

/**
 * The public status API as its own small process: a read model of the status topic and the
 * HTTP server in front of it. It holds no credentials of any department or of the CRM.
 */
export async function startStatusService(
  config: CloseloopConfig,
  settings: StatusApiSettings,
  messaging: Messaging,
  logger: Logger,
): Promise<StatusService> {
  const projection = new StatusProjection({ historyLimit: settings.historyLimit });
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const facts = new RequestFacts();
  const feed = new StatusFeed({ config, messaging, serde, projection, facts, logger });
  await feed.start();
  const server = new StatusApiServer({
    host: settings.host,
    port: settings.port,
    projection,
    facts,
    services: servicesFromRouting(config),
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
