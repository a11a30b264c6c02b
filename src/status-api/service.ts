import type { CloseloopConfig, StatusApiSettings } from '../config/index.ts';
import { AvroSerde, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { servicesFromRouting, StatusFeed, type StatusListener } from './feed.ts';
import { StatusOps } from './ops.ts';
import { StatusProjection } from './projection.ts';
import { RequestFacts } from './request-facts.ts';
import { StatusApiServer, type SiteHandler } from './server.ts';

export interface StatusService {
  readonly url: string;
  /** The ops listener's address (/metrics, /health/*); null when statusApi.ops is off. */
  readonly opsUrl: string | null;
  readonly ops: StatusOps | null;
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
  const server = new StatusApiServer({
    host: settings.host,
    port: settings.port,
    projection,
    facts,
    services,
    publicUrl: settings.publicUrl ?? null,
    timeZone: settings.timeZone ?? 'UTC',
    site: site?.handler,
    jurisdictionId: config.jurisdiction,
    rateLimit: settings.rateLimit,
    trustProxy: settings.trustProxy,
    maxIdsPerRequest: settings.maxIdsPerRequest,
    logger: logger.child({ component: 'status-api' }),
  });
  const ops = settings.ops ? new StatusOps({ ...settings.ops, feed, projection }) : null;
  // Bound first, as the worker's: a taken port stops the process at once, and while the feed
  // restores (or cannot) readiness says so instead of the process looking dead.
  const opsUrl = (await ops?.start()) ?? null;
  let url: string;
  try {
    await feed.start();
    url = await server.start();
  } catch (err) {
    await ops?.stop();
    await feed.stop().catch(() => undefined);
    throw err;
  }
  ops?.running();
  return {
    url,
    opsUrl,
    ops,
    projection,
    facts,
    async stop() {
      await ops?.stop();
      await server.stop();
      await feed.stop();
    },
  };
}
