import type { Registry } from 'prom-client';
import { messageOf } from '../errors/index.ts';
import type { Logger } from './logger.ts';
import { OpsServer, type OpsServerOptions, type Readiness } from './ops-server.ts';

/** What a long-running process (the worker, the processor run alone) answers for on its ops port. */
export interface OpsSubject {
  readonly metrics: { readonly registry: Registry };
  metricsText(): Promise<string>;
  readiness(): Promise<Readiness>;
  /** Gauges read at scrape time; expected not to throw (a throw is logged, the scrape answers). */
  refreshGauges(): Promise<void>;
}

/** The admin endpoints and webhook doorbells: a worker's, which runs connectors. */
export type OpsAdmin = Pick<OpsServerOptions, 'adminToken' | 'pause' | 'resume' | 'webhooks' | 'wake'>;

/**
 * The ops server on the config's `http` address for `subject`, wired one way for every process
 * that has one: /metrics refreshes its gauges first, and a scrape or request that fails is
 * logged. `admin` adds the admin endpoints and doorbells.
 */
export function opsServerFor(
  http: { readonly host: string; readonly port: number },
  subject: OpsSubject,
  logger: Logger,
  admin: OpsAdmin = {},
): OpsServer {
  return new OpsServer({
    ...http,
    metrics: subject.metrics,
    metricsText: () => subject.metricsText(),
    readiness: () => subject.readiness(),
    beforeScrape: () => subject.refreshGauges(),
    onScrapeError: (err) => logger.error({ error: messageOf(err) }, 'refreshing gauges failed'),
    onRequestError: (err, path) => logger.error({ path, error: messageOf(err) }, 'ops request failed'),
    ...admin,
  });
}

/**
 * Binds the ops server (when there is one), then runs `start`: a taken port stops the process at
 * once, before it joins any consumer group, and readiness answers "starting" meanwhile. A start
 * that fails closes the port again. Resolves with the server's URL, or null without one.
 */
export async function startBehindOps(ops: OpsServer | null, start: () => Promise<void>): Promise<string | null> {
  const url = (await ops?.start()) ?? null;
  try {
    await start();
  } catch (err) {
    await ops?.stop();
    throw err;
  }
  return url;
}

/**
 * A stop signal heard while the process is already stopping: someone wants it gone now (a stop
 * stuck on a broker or a client), so it exits at once, 130 for SIGINT and 143 for SIGTERM, as a
 * shell reports a process those signals ended.
 */
export function exitOnSecondSignal(logger: Logger, signal: NodeJS.Signals): never {
  logger.warn({ signal }, 'signalled again while stopping: exiting now');
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
