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
import { acknowledgeAlert, alertLine, openAlerts, parseAlertId, parseBy, parseReason } from '../ops/index.ts';
import { ownerGone } from './alert-owner.ts';
import { errorLine, failureLine } from './describe-error.ts';

/**
 * `closeloop alerts list`: the stuck tickets, silent connectors and skipped records alerted now,
 * oldest first, each with how long it has been open, the department holding it and who answers
 * for it. Exits 1 while any is open, so a scheduled job can alarm on it; 2 for a usage error.
 *
 * `closeloop alerts ack --id ID --by WHO [--reason WHY]`: acknowledges an open RECORDS_SKIPPED or
 * DELIVERY_EXHAUSTED alert (the kinds whose condition may never end by itself: see
 * ACKNOWLEDGED_REASONS), or, with --reason, one whose owner is gone (see ownerGone); exits 1 when
 * no alert ID is open (CL_ALERT_NOT_OPEN), 2 for an alert that is not to be acknowledged or a
 * blank ID. Each acknowledgement is also logged (who, why, the alert), for the audit: the
 * alert's clearing on the compacted topic is replaced when the same alert is raised again.
 */
export async function runAlerts(
  sub: string | undefined,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
  args: { id?: string; by?: string; reason?: string } = {},
): Promise<number> {
  if (sub !== 'list' && sub !== 'ack') {
    printError('usage: closeloop alerts list|ack [--id ID --by WHO [--reason WHY]] [--config config/closeloop.yaml]');
    return 2;
  }
  let ack: Acknowledgement = { alertId: '', by: '', reason: null };
  if (sub === 'ack') {
    try {
      ack = { alertId: parseAlertId(args.id), by: parseBy(args.by), reason: parseReason(args.reason, false) };
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
    if (sub === 'ack') return await acknowledge({ messaging, admin, serde, logger }, config, ack, print, printError);
    const open = await openAlerts(messaging, admin, serde, topic, { log: logger });
    const now = Date.now();
    for (const a of open) print(alertLine(a, now));
    print(`${open.length} open alert(s)`);
    return open.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}

interface Acknowledgement {
  readonly alertId: string;
  readonly by: string;
  readonly reason: string | null;
}

/** `alerts ack` once connected; exported for tests, which bring their own messaging. */
export async function acknowledge(
  c: { messaging: Messaging; admin: MessagingAdmin; serde: AvroSerde; logger: Logger },
  config: CloseloopConfig,
  ack: Acknowledgement,
  print: (line: string) => void,
  printError: (line: string) => void,
  now = Date.now(),
): Promise<number> {
  const { alertId, by, reason } = ack;
  try {
    const o = { topic: config.topics.alerts, jurisdiction: config.jurisdiction, alertId, by, reason, now };
    const cleared = await acknowledgeAlert(
      c.messaging,
      c.admin,
      c.serde,
      { ...o, ownerGone: ownerGone(config, c) },
      { log: c.logger },
    );
    if (!cleared) {
      // Not a usage error: the id may be right and the alert cleared meanwhile (exit 1, as documented).
      printError(failureLine('CL_ALERT_NOT_OPEN', `no alert ${alertId} is open`));
      return 1;
    }
    c.logger.info(
      { alertId, reason: cleared.reason, by, why: reason, at: new Date(now).toISOString(), detail: cleared.detail },
      'alert acknowledged',
    );
    print(`acknowledged ${alertId} by ${by}`);
    return 0;
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(errorLine(err));
    return 2;
  }
}
