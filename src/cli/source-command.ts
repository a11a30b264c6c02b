import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import { createKafkaMessaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { moveSourceCursor, readSourceCursor } from '../runtime/source-cursor.ts';
import { checkConnector } from '../worker/connector-check.ts';
import { errorLine } from './describe-error.ts';

/**
 * A cursor as the command prints it: whole and unquoted, so what it replaced can be given back to
 * --set as printed (logs and readiness cut long ones short; the record is compacted away).
 */
function wholeCursor(cursor: string | null): string {
  return cursor === null ? '(none: the source reads its feed from the start)' : cursor;
}

export const SOURCE_CURSOR_USAGE = 'usage: closeloop source cursor <connector> [--set CURSOR] [--config FILE]';

interface CursorTarget {
  readonly cursorTopic: string;
  /** `<connector>:<jurisdiction>`, as the worker keys the cursor. */
  readonly cursorKey: string;
  /** The cursor to store; null to read the stored one only. */
  readonly set: string | null;
  readonly fencedRetryMs: number;
}

/**
 * Which cursor the command reads or moves, checked before anything is connected: a connector of
 * the config whose source runs (any other has no cursor), and a cursor that can be stored as it is
 * given (blanks around it or a control character would be a different cursor than meant).
 */
export function sourceCursorTarget(config: CloseloopConfig, connector: string, set: string | undefined): CursorTarget {
  const problem = (message: string): never => {
    throw new CloseloopError('CL_ARGUMENT_INVALID', message);
  };
  const instance = config.connectors.find((c) => c.name === connector);
  if (!instance) {
    const named = config.connectors.map((c) => c.name).join(', ') || 'none';
    return problem(`no connector ${connector} in the config (it has: ${named})`);
  }
  if (!instance.source) problem(`${connector}'s source is off in the config (source: false): it keeps no cursor`);
  // Credentials are the worker's business: reading or moving a cursor never calls the system.
  const definition = checkConnector(instance, {}, { credentials: false }).definition;
  if (!definition?.source) problem(`${connector} has no source: it keeps no cursor`);
  if (set !== undefined && (set.trim() === '' || set.trim() !== set || /\p{Cc}/u.test(set)))
    problem(`--set takes the cursor as the system gives it (e.g. 1042): no blanks around it, no control characters`);
  // A cursor the source cannot read would stop its feed: every poll failing as if the system were
  // down (a 400 to a cursor of the wrong shape, a Maximo cursor that is not its JSON).
  const unreadable = set === undefined ? null : (definition?.cursorProblem?.(set) ?? null);
  if (unreadable !== null) problem(`--set: the ${connector} source cannot read that cursor: it takes ${unreadable}`);
  return {
    cursorTopic: config.topics.cursors,
    cursorKey: `${connector}:${config.jurisdiction}`,
    set: set ?? null,
    // The runner's own default (SourceRunnerOptions.fencedRetryMs) for an instance that names none.
    fencedRetryMs: instance.fencedRetryMs ?? 30_000,
  };
}

/**
 * `closeloop source cursor <connector>`: prints a source's stored cursor; with `--set`, moves it,
 * e.g. back to where a system's feed went after a restore (CL_SOURCE_CURSOR_BEHIND). The move
 * takes the source's transactional id (see moveSourceCursor), so a worker running the source is
 * fenced rather than refused or overwritten: it stands aside as it does for any fence, then claims
 * the id back and reads on from the new cursor. Exit codes: 0 done, 2 bad arguments.
 */
export async function runSourceCursor(
  connector: string,
  args: { readonly set?: string | undefined },
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  let target: CursorTarget;
  try {
    target = sourceCursorTarget(config, connector, args.set);
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(`${errorLine(err)}\n${SOURCE_CURSOR_USAGE}`);
    return 2;
  }
  const { cursorTopic, cursorKey, set } = target;
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-source-cursor`,
    logger,
  });
  const where = `${cursorKey} on ${cursorTopic}`;
  if (set === null) {
    const admin = messaging.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      const cursor = topics.includes(cursorTopic)
        ? (await readSourceCursor(messaging, admin, cursorTopic, cursorKey)).cursor
        : null;
      print(`${connector} source cursor (${where}): ${wholeCursor(cursor)}`);
      return 0;
    } finally {
      await admin.disconnect();
    }
  }
  const { was } = await moveSourceCursor(messaging, cursorTopic, cursorKey, set);
  print(`moved the ${connector} source cursor (${where}) from ${wholeCursor(was)} to ${wholeCursor(set)}`);
  // An idle runner learns of the fence at its next write; one that warns CL_SOURCE_CURSOR_BEHIND
  // writes its cursor again every few seconds to learn it soon (see cursor-behind.ts).
  print(
    `a worker running the ${connector} source is fenced by this: at its next write (within seconds while it ` +
      `warns CL_SOURCE_CURSOR_BEHIND) it stands aside (paused: fenced) for ${Math.ceil(target.fencedRetryMs / 1_000)} s, ` +
      `then reads on from the new cursor; changes after it published before are published again, and the ` +
      `processor passes over the ones it has seen`,
  );
  return 0;
}
