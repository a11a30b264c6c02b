import type { CloseloopConfig, StatusApiSettings } from '../config/index.ts';
import type { Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { startStatusService, type StatusService } from '../status-api/service.ts';
import { PublicFigures } from './figures.ts';
import { createSite } from './site.ts';

export interface PublicService extends StatusService {
  readonly figures: PublicFigures;
}

/**
 * `closeloop public`: the status API grown into the city's public face. The same server and read
 * models answer Open311 and serve the web pages; the figures keep their own view of each ticket's
 * latest status, fed by the same consumer.
 */
export async function startPublicService(
  config: CloseloopConfig,
  settings: StatusApiSettings,
  messaging: Messaging,
  logger: Logger,
  now: () => number = Date.now,
): Promise<PublicService> {
  let figures: PublicFigures | undefined;
  const service = await startStatusService(
    config,
    settings,
    messaging,
    logger,
    ({ projection, facts, serviceName }) => {
      figures = new PublicFigures(facts, settings.timeZone ?? 'UTC', now);
      const handler = createSite({
        projection,
        facts,
        figures,
        cityName: settings.cityName ?? 'City',
        targets: settings.targets ?? {},
        serviceName,
      });
      return { handler, onStatus: figures };
    },
  );
  if (!figures) throw new Error('public figures were not created');
  return { ...service, figures };
}
