import { loadConfig, roleEntries } from '../config/index.ts';
import { createKafkaMessaging } from '../messaging/index.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { exitOnSecondSignal, opsServerFor, startBehindOps } from '../observability/process-ops.ts';
import { startPublicService } from '../public/service.ts';
import { startStatusService } from '../status-api/index.ts';
import { connectorChecker, webhookTokens } from '../worker/connector-check.ts';
import { Worker } from '../worker/worker.ts';

/**
 * Resolves on the first SIGINT or SIGTERM. Listened for from the command's first step: a signal
 * that came while the worker was still starting (a rolling restart, a supervisor's stop) used to
 * find no listener and end the process at once, mid-start, without the clean stop. Such a signal
 * now waits for the start to settle, then stops it. A second signal exits at once, for a start or
 * a stop that hangs (128 + the signal's number, as a shell reports it).
 */
function stopSignal(logger: Logger): Promise<NodeJS.Signals> {
  let heard = false;
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      if (!heard) {
        heard = true;
        logger.info({ signal }, 'stopping');
        resolve(signal);
        return;
      }
      exitOnSecondSignal(logger, signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** `closeloop run`: the worker, its ops server bound first, until SIGINT or SIGTERM. */
export async function runWorker(configFile: string): Promise<number> {
  const logger = createLogger({ name: 'closeloop' });
  const stopped = stopSignal(logger);
  const config = await loadConfig(configFile, process.env, {
    checkConnector: connectorChecker({ credentials: true }),
  });
  for (const e of config.roles ? roleEntries(config.roles, Date.now()) : []) {
    if (e.stale)
      logger.warn({ department: e.department, role: e.role, confirmed: e.confirmed }, 'accountable role is stale');
  }
  const worker = new Worker({ config, configFile, logger });
  const ops = config.http
    ? opsServerFor(config.http, worker, logger, {
        adminToken: process.env['CLOSELOOP_ADMIN_TOKEN'],
        pause: (n) => worker.pause(n),
        resume: (n) => worker.resume(n),
        webhooks: webhookTokens(config, process.env),
        wake: (n) => worker.wake(n),
      })
    : null;
  // Bound before the worker joins any group (see startBehindOps).
  const url = await startBehindOps(ops, () => worker.start());
  logger.info({ ops: url ?? 'off' }, 'worker running');
  await stopped;
  await ops?.stop();
  await worker.stop();
  return 0;
}

/** `closeloop status-api`: the public Open311 GeoReport v2 API, until SIGINT or SIGTERM. */
export function runStatusApi(configFile: string, printError: (line: string) => void): Promise<number> {
  return servePublic(configFile, printError, false);
}

/** `closeloop public`: the same API with the web pages (tracking, performance, departments). */
export function runPublic(configFile: string, printError: (line: string) => void): Promise<number> {
  return servePublic(configFile, printError, true);
}

async function servePublic(configFile: string, printError: (line: string) => void, pages: boolean): Promise<number> {
  const logger = createLogger({ name: pages ? 'closeloop-public' : 'closeloop-status-api' });
  const stopped = stopSignal(logger);
  const config = await loadConfig(configFile);
  // A config problem (exit 1, as the README's exit codes say), not a usage error.
  if (!config.statusApi) {
    printError(
      `closeloop: CL_CONFIG_INVALID: ${configFile} has no statusApi section; add one (statusApi: {} takes every default) to serve the public status API`,
    );
    return 1;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-${pages ? 'public' : 'status-api'}`,
    logger,
  });
  const service = pages
    ? await startPublicService(config, config.statusApi, messaging, logger)
    : await startStatusService(config, config.statusApi, messaging, logger);
  logger.info(
    { url: service.url, ops: service.opsUrl ?? 'off', tickets: service.projection.size },
    pages ? 'public site serving' : 'status API serving',
  );
  await stopped;
  await service.stop();
  return 0;
}
