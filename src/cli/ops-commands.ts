import type { CloseloopConfig } from '../config/index.ts';
import { AvroSerde, createKafkaMessaging, type MessagingAdmin } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { listDeadLetters, listQuarantine, replayDeadLetters, type DeadLetter } from '../ops/index.ts';

export interface OpsArgs {
  readonly topic?: string | undefined;
  readonly code?: string | undefined;
  readonly ticket?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly kind?: string | undefined;
  readonly by?: string | undefined;
  readonly id?: string | undefined;
}

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

function line(d: DeadLetter): string {
  return [
    d.id,
    d.time,
    d.code,
    d.stage,
    d.connector,
    `${d.originalTopic}[${d.originalPartition}]@${d.originalOffset}`,
    d.key ?? '-',
  ].join('  ');
}

/** `closeloop dlq list|show|replay` and `closeloop quarantine list`; prints, returns an exit code. */
export async function runOps(
  command: string,
  sub: string | undefined,
  args: OpsArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
): Promise<number> {
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-ops`,
    logger,
  });
  const admin: MessagingAdmin = messaging.admin();
  await admin.connect();
  try {
    const filter = defined({
      topic: args.topic,
      code: args.code,
      ticket: args.ticket,
      since: args.since,
      until: args.until,
    });
    if (command === 'dlq' && sub === 'list') {
      const found = await listDeadLetters(messaging, admin, filter);
      for (const d of found) print(line(d));
      print(`${found.length} dead letter(s)`);
      return 0;
    }
    if (command === 'dlq' && sub === 'show') {
      if (!args.id) throw new Error('dlq show needs --id <dlq topic>:<partition>:<offset>');
      const found = (await listDeadLetters(messaging, admin, {}, [args.id.split(':')[0] ?? ''])).find(
        (d) => d.id === args.id,
      );
      if (!found) {
        print(`no dead letter ${args.id}`);
        return 1;
      }
      print(line(found));
      print(`message: ${found.message}`);
      for (const [k, v] of Object.entries(found.headers)) print(`header ${k}: ${v?.toString('utf8') ?? ''}`);
      print(`value (${found.value?.length ?? 0} bytes): ${found.value?.toString('base64') ?? 'null'}`);
      return 0;
    }
    if (command === 'dlq' && sub === 'replay') {
      if (!args.by) throw new Error('dlq replay needs --by <who>, recorded in the audit');
      const audit = await replayDeadLetters(messaging, admin, filter, args.by);
      print(`replayed ${audit.deadLetters.length} dead letter(s) as ${audit.replayId} by ${audit.by} at ${audit.at}`);
      for (const s of audit.skipped) print(`skipped ${s}`);
      return 0;
    }
    if (command === 'quarantine' && sub === 'list') {
      const serde = new AvroSerde({ ...config.schemaRegistry });
      const q = defined({ kind: args.kind, ticket: args.ticket, since: args.since, until: args.until });
      const found = await listQuarantine(messaging, admin, serde, config.topics.quarantine, q);
      for (const v of found) {
        print(
          [
            new Date(v.envelope.occurredAt).toISOString(),
            v.kind,
            v.ticketId,
            v.department ?? '-',
            v.rawStatus ?? '-',
            v.detail,
          ].join('  '),
        );
      }
      print(`${found.length} quarantine record(s)`);
      return 0;
    }
    print(
      'usage: closeloop dlq list|show|replay [--topic T] [--code C] [--ticket ID] [--since ISO] [--until ISO] [--id ID] [--by WHO]',
    );
    print('       closeloop quarantine list [--kind K] [--ticket ID] [--since ISO] [--until ISO]');
    return 2;
  } finally {
    await admin.disconnect();
  }
}
