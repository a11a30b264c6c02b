import type { CloseloopConfig } from '../config/index.ts';
import { isCloseloopError } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, type MessagingAdmin } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import {
  deadLetterScope,
  listDeadLetters,
  listQuarantine,
  readReplayHistory,
  replayDeadLetters,
  replayState,
  type DeadLetter,
  type ReplayState,
} from '../ops/index.ts';
import { OPS_USAGE, opsRequest, type OpsArgs, type OpsRequest } from './ops-args.ts';
import { errorLine, failureLine } from './describe-error.ts';

export type { OpsArgs } from './ops-args.ts';

/** What the replay audit says of a dead letter, so an operator sees what a replay would skip. */
function replayNote(state: ReplayState): string[] {
  if (state.state === 'replayed') return [`replayed by ${state.by}`];
  if (state.state === 'failed again') return [`failed again after replay ${state.after}`];
  if (state.state === 'superseded') return [`failed after replay ${state.after}, re-sent since by ${state.by}`];
  return [];
}

function line(d: DeadLetter, state: ReplayState): string {
  return [
    d.id,
    d.time,
    d.code,
    d.stage,
    d.connector,
    `${d.originalTopic}[${d.originalPartition}]@${d.originalOffset}`,
    d.key ?? '-',
    ...replayNote(state),
  ].join('  ');
}

/**
 * `closeloop dlq list|show|replay` and `closeloop quarantine list`; prints, returns an exit code.
 * Options are checked before connecting, so a bad one is answered at once (exit 2).
 */
export async function runOps(
  command: string,
  sub: string | undefined,
  args: OpsArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void = print,
): Promise<number> {
  let request: OpsRequest | null;
  try {
    request = opsRequest(command, sub, args, config);
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(`${errorLine(err)}\n${OPS_USAGE}`);
    return 2;
  }
  if (!request) {
    printError(OPS_USAGE);
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-ops`,
    logger,
  });
  const scope = deadLetterScope(config);
  const admin: MessagingAdmin = messaging.admin();
  await admin.connect();
  try {
    if (request.action === 'dlq list') {
      const found = await listDeadLetters(messaging, admin, request.filter, scope.deadLetterTopics);
      const history = await readReplayHistory(messaging, admin, scope.audit.topic);
      for (const d of found) print(line(d, replayState(d, history)));
      print(`${found.length} dead letter(s)`);
      return 0;
    }
    if (request.action === 'dlq show') {
      const id = request.id;
      const found = (await listDeadLetters(messaging, admin, {}, [id.split(':')[0] ?? ''])).find((d) => d.id === id);
      // Exit 1 as for an alert that is not open: the command ran, but the id names nothing.
      if (!found) {
        printError(
          failureLine('CL_ARGUMENT_INVALID', `no dead letter ${id}: closeloop dlq list prints the ids there are`),
        );
        return 1;
      }
      print(line(found, replayState(found, await readReplayHistory(messaging, admin, scope.audit.topic))));
      print(`message: ${found.message}`);
      // Every header as written: a repeated name each time, a null value said as such.
      for (const [k, v] of found.headerList ?? Object.entries(found.headers))
        print(`header ${k}: ${v?.toString('utf8') ?? '(null)'}`);
      if (found.valueDropped !== null) {
        const at = `${found.originalTopic}:${found.originalPartition}:${found.originalOffset}`;
        print(`value (${found.valueDropped} bytes): too large to keep here; the original is at ${at}`);
      } else print(`value (${found.value?.length ?? 0} bytes): ${found.value?.toString('base64') ?? 'null'}`);
      return 0;
    }
    if (request.action === 'dlq replay') {
      const { again, reason } = request;
      const audit = await replayDeadLetters(messaging, admin, request.filter, request.by, scope, { again, reason });
      const { deadLetters, skipped } = audit;
      const why = audit.reason === null ? '' : ` (${audit.again ? 'again: ' : ''}${audit.reason})`;
      print(
        `re-sent ${deadLetters.length} dead letter(s), skipped ${skipped.length} as ${audit.replayId} by ${audit.by} at ${audit.at}${why}`,
      );
      const reasons = new Map<string, number>();
      for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
      for (const [reason, n] of reasons) print(`  ${n} ${reason}`);
      for (const id of deadLetters) print(`re-sent ${id}`);
      for (const s of skipped) print(`skipped ${s.id}: ${s.reason}`);
      return 0;
    }
    const serde = new AvroSerde({ ...config.schemaRegistry });
    const found = await listQuarantine(messaging, admin, serde, config.topics.quarantine, request.filter);
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
  } finally {
    await admin.disconnect();
  }
}
