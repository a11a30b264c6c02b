import type { CloseloopConfig } from '../config/index.ts';
import { AvroSerde, createKafkaMessaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { alertLine, openAlerts } from '../ops/index.ts';

/**
 * `closeloop alerts list`: the stuck tickets and silent connectors alerted now, oldest first,
 * each with the department holding it and who answers for it. Exits 1 while any is open, so a
 * scheduled job can alarm on it; 2 for a usage error.
 */
export async function runAlerts(
  sub: string | undefined,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  if (sub !== 'list') {
    printError('usage: closeloop alerts list [--config config/closeloop.yaml]');
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-alerts`,
    logger,
  });
  const admin = messaging.admin();
  await admin.connect();
  try {
    const open = await openAlerts(messaging, admin, new AvroSerde({ ...config.schemaRegistry }), config.topics.alerts);
    for (const a of open) print(alertLine(a));
    print(`${open.length} open alert(s)`);
    return open.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}
