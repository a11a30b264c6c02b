#!/usr/bin/env node
// closeloop run | reconcile | health | status-api | dlq list|show|replay | quarantine list | alerts list | kpi | roles list | workorder reset-order   [--config config/closeloop.yaml]
import { parseArgs } from 'node:util';
import { loadConfig, roleEntries } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { createLogger } from '../observability/logger.ts';
import { OpsServer } from '../observability/ops-server.ts';
import { connectorChecker } from '../worker/connector-check.ts';
import { Worker } from '../worker/worker.ts';
import { createKafkaMessaging } from '../messaging/index.ts';
import { startStatusService } from '../status-api/index.ts';
import { runHealth } from './health-command.ts';
import { runKpi } from './kpi-command.ts';
import { runOps } from './ops-commands.ts';
import { runAlerts } from './alerts-command.ts';
import { runRoles } from './roles-command.ts';
import { runWorkOrder } from './workorder-command.ts';
import { runReconcile } from './reconcile-command.ts';

async function runStatusApi(configFile: string): Promise<number> {
  const logger = createLogger({ name: 'closeloop-status-api' });
  const config = await loadConfig(configFile);
  if (!config.statusApi) {
    console.error(`closeloop: ${configFile} has no statusApi section; add one to serve the public status API`);
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-status-api`,
    logger,
  });
  const service = await startStatusService(config, config.statusApi, messaging, logger);
  logger.info({ url: service.url, tickets: service.projection.size }, 'status API serving');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  return 0;
}

const usage =
  'usage: closeloop run | reconcile | health | status-api | dlq list|show|replay | quarantine list | alerts list | kpi --month YYYY-MM | roles list | workorder reset-order  [--config config/closeloop.yaml]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', default: 'config/closeloop.yaml' },
      topic: { type: 'string' },
      code: { type: 'string' },
      ticket: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      kind: { type: 'string' },
      by: { type: 'string' },
      id: { type: 'string' },
      month: { type: 'string' },
      now: { type: 'string' },
      publish: { type: 'boolean' },
      'allow-unreadable': { type: 'boolean' },
      'work-order': { type: 'string' },
      crm: { type: 'boolean' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean' },
      rate: { type: 'string' },
    },
  });
  const [command, sub] = positionals;
  if (command === 'alerts') {
    const logger = createLogger({
      name: 'closeloop',
      level: process.env['LOG_LEVEL'] ?? 'warn',
      destination: process.stderr,
    });
    return runAlerts(sub, await loadConfig(values.config), logger, console.log, console.error);
  }
  if (command === 'dlq' || command === 'quarantine') {
    const logger = createLogger({ name: 'closeloop', level: process.env['LOG_LEVEL'] ?? 'warn' });
    const print = (l: string) => console.log(l);
    return runOps(command, sub, values, await loadConfig(values.config), logger, print, (l) => console.error(l));
  }
  if (command === 'kpi') {
    // Logs to stderr: stdout carries the table, for people and scripts alike.
    const level = process.env['LOG_LEVEL'] ?? 'warn';
    const logger = createLogger({ name: 'closeloop-kpi', level, destination: process.stderr });
    const print = (l: string) => console.log(l);
    const args = { ...values, allowUnreadable: values['allow-unreadable'] };
    return runKpi(args, await loadConfig(values.config), logger, print, (l) => console.error(l));
  }
  if (command === 'workorder') {
    const logger = createLogger({ name: 'closeloop', level: process.env['LOG_LEVEL'] ?? 'warn' });
    const args = { ...values, workOrder: values['work-order'] };
    const print = (l: string) => console.log(l);
    return runWorkOrder(sub, args, await loadConfig(values.config), logger, print, (l) => console.error(l));
  }
  if (command === 'reconcile') {
    const logger = createLogger({
      name: 'closeloop-reconcile',
      level: process.env['LOG_LEVEL'] ?? 'warn',
      destination: process.stderr,
    });
    const args = { ...values, dryRun: values['dry-run'] };
    return runReconcile(args, await loadConfig(values.config), logger, console.log, console.error);
  }
  if (command === 'status-api') return runStatusApi(values.config);
  if (command === 'roles') {
    const now = values.now === undefined ? Date.now() : Date.parse(values.now);
    if (!Number.isFinite(now)) {
      console.error(`closeloop: --now ${values.now ?? ''} is not an instant; use ISO 8601, e.g. 2026-11-30T12:00:00Z`);
      return 2;
    }
    return runRoles(sub, await loadConfig(values.config), now, console.log, console.error);
  }
  if (command === 'health') {
    return runHealth(
      await loadConfig(values.config),
      (l) => console.log(l),
      (l) => console.error(l),
    );
  }
  if (command !== 'run') {
    console.error(usage);
    return 2;
  }
  return runWorker(values.config);
}

async function runWorker(configFile: string): Promise<number> {
  const logger = createLogger({ name: 'closeloop' });
  const config = await loadConfig(configFile, process.env, {
    checkConnector: connectorChecker({ credentials: true }),
  });
  for (const e of config.roles ? roleEntries(config.roles, Date.now()) : []) {
    if (e.stale)
      logger.warn({ department: e.department, role: e.role, confirmed: e.confirmed }, 'accountable role is stale');
  }
  const worker = new Worker({ config, logger });
  const ops = config.http
    ? new OpsServer({
        ...config.http,
        metrics: worker.metrics,
        adminToken: process.env['CLOSELOOP_ADMIN_TOKEN'],
        readiness: () => worker.readiness(),
        beforeScrape: () => worker.refreshGauges(),
        onScrapeError: (err) => logger.error({ error: messageOf(err) }, 'refreshing gauges failed'),
        pause: (n) => worker.pause(n),
        resume: (n) => worker.resume(n),
      })
    : null;
  // Bound before the worker joins any group: a taken port stops it at once, not after it has
  // taken partitions, and readiness answers "worker starting" meanwhile.
  const url = await ops?.start();
  try {
    await worker.start();
  } catch (err) {
    await ops?.stop();
    throw err;
  }
  logger.info({ ops: url ?? 'off' }, 'worker running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ops?.stop();
  await worker.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`closeloop: ${messageOf(err)}`);
    process.exit(1);
  },
);
