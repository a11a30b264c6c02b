import type { CloseloopConfig } from '../config/index.ts';
import { isCloseloopError } from '../errors/index.ts';
import {
  AvroSerde,
  createKafkaMessaging,
  requireTopics,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { acknowledgeAlert, alertLine, openAlerts, parseAlertId, parseBy } from '../ops/index.ts';
import { errorLine, failureLine } from './describe-error.ts';

/**
 * `closeloop alerts list`: the stuck tickets, silent connectors and skipped records alerted now,
 * oldest first, each with how long it has been open, the department holding it and who answers for it. Exits 1 while any is
 * open, so a scheduled job can alarm on it; 2 for a usage error.
 *
 * `closeloop alerts ack --id ID --by WHO`: acknowledges an open RECORDS_SKIPPED or
 * DELIVERY_EXHAUSTED alert (the kinds whose condition may never end by itself: see
 * ACKNOWLEDGED_REASONS); exits 1 when no alert ID is open (CL_ALERT_NOT_OPEN), 2 for another kind
 * of alert or a blank ID.
 */
export async function runAlerts(
  sub: string | undefined,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
  args: { id?: string; by?: string } = {},
): Promise<number> {
  if (sub !== 'list' && sub !== 'ack') {
    printError('usage: closeloop alerts list|ack [--id ID --by WHO] [--config config/closeloop.yaml]');
    return 2;
  }
  let by = '';
  let alertId = '';
  if (sub === 'ack') {
    try {
      alertId = parseAlertId(args.id);
      by = parseBy(args.by);
    } catch (err) {
      if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
      printError(errorLine(err));
      return 2;
    }
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-alerts`,
    logger,
  });
  const admin = messaging.admin();
  await admin.connect();
  try {
    const serde = new AvroSerde({ ...config.schemaRegistry });
    const topic = config.topics.alerts;
    // The worker creates the topic; reading it before then would retry and fail obscurely.
    await requireTopics(admin, [topic]);
    if (sub === 'ack')
      return await acknowledge(messaging, admin, serde, config, alertId, by, logger, print, printError);
    const open = await openAlerts(messaging, admin, serde, topic, { log: logger });
    const now = Date.now();
    for (const a of open) print(alertLine(a, now));
    print(`${open.length} open alert(s)`);
    return open.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}

async function acknowledge(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  config: CloseloopConfig,
  alertId: string,
  by: string,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  try {
    const o = { topic: config.topics.alerts, jurisdiction: config.jurisdiction, alertId, by, now: Date.now() };
    const cleared = await acknowledgeAlert(messaging, admin, serde, o, { log: logger });
    if (!cleared) {
      // Not a usage error: the id may be right and the alert cleared meanwhile (exit 1, as documented).
      printError(failureLine('CL_ALERT_NOT_OPEN', `no alert ${alertId} is open`));
      return 1;
    }
    print(`acknowledged ${alertId} by ${by}`);
    return 0;
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(errorLine(err));
    return 2;
  }
}
