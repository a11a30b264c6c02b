import { randomUUID } from 'node:crypto';
import type { CloseloopConfig } from '../config/index.ts';
import { BRIDGE_ORIGIN, type OperatorCommand } from '../domain/index.ts';
import { ticketIdFault } from '../domain/identifiers.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, subjectForTopic } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { errorLine } from './describe-error.ts';

export const WORKORDER_USAGE =
  'usage: closeloop workorder reset-order --ticket ID (--work-order ID | --crm) --by WHO --reason TEXT [--config FILE]';

export interface WorkOrderArgs {
  readonly ticket?: string | undefined;
  readonly workOrder?: string | undefined;
  /** Reset the watermark of the ticket's CRM events instead of a work order's. */
  readonly crm?: boolean | undefined;
  readonly by?: string | undefined;
  readonly reason?: string | undefined;
}

/**
 * The command a `reset-order` asks for, checked before anything is connected: one
 * CL_ARGUMENT_INVALID error naming every bad option, so the operator fixes them in one go.
 */
export function resetOrderCommand(
  args: WorkOrderArgs,
  jurisdiction: string,
  now: number,
  eventId: string = randomUUID(),
): OperatorCommand {
  const problems: { option: string; message: string }[] = [];
  // Ids by the bridge's one rule (ticketIdFault: spaces allowed, taken as given, no control
  // characters); who and why go into the audit, read on terminals: no control characters there.
  const required = (value: string | undefined, option: string, what: string, id = false): string => {
    if (value === undefined || value.trim() === '') {
      problems.push({ option, message: `--${option} is required: ${what}` });
      return '';
    }
    const fault = id ? ticketIdFault(value) : /\p{Cc}/u.test(value) ? 'holds a control character' : null;
    if (fault) problems.push({ option, message: `--${option} ${fault}; got ${JSON.stringify(value)}` });
    return id ? value : value.trim();
  };
  const ticketId = required(args.ticket, 'ticket', 'the ticket whose ordering is reset', true);
  let workOrderId: string | null = null;
  if (args.workOrder !== undefined && args.crm === true) {
    problems.push({ option: 'work-order', message: '--work-order and --crm exclude each other: reset one at a time' });
  } else if (args.crm !== true) {
    workOrderId = required(
      args.workOrder,
      'work-order',
      "the work order to reset (or --crm for the ticket's CRM events)",
      true,
    );
  }
  const by = required(args.by, 'by', 'who resets, recorded in the audit');
  const reason = required(args.reason, 'reason', 'why, recorded in the audit');
  if (problems.length > 0) {
    throw new CloseloopError('CL_ARGUMENT_INVALID', problems.map((p) => p.message).join('; '), {
      details: { options: problems.map((p) => p.option) },
    });
  }
  return {
    envelope: {
      eventId,
      jurisdiction,
      source: 'closeloop-cli',
      sequence: null,
      occurredAt: now,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    ticketId,
    kind: 'RESET_ORDER',
    workOrderId,
    by,
    reason,
  };
}

/**
 * `closeloop workorder reset-order`: the processor owns ticket state, so the command goes to it
 * through the co-partitioned operator topic, keyed by ticket id, and the task owning the ticket
 * carries it out and records it on the quarantine topic. Exit codes: 0 sent, 2 bad arguments.
 */
export async function runWorkOrder(
  sub: string | undefined,
  args: WorkOrderArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  if (sub !== 'reset-order') {
    printError(WORKORDER_USAGE);
    return 2;
  }
  let command: OperatorCommand;
  try {
    command = resetOrderCommand(args, config.jurisdiction, Date.now());
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(`${errorLine(err)}\n${WORKORDER_USAGE}`);
    return 2;
  }
  const topic = config.topics.operatorCommands;
  const serde = new AvroSerde({ ...config.schemaRegistry });
  const value = await serde.encode(subjectForTopic(topic), command);
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-workorder`,
    logger,
  });
  const producer = messaging.producer();
  await producer.connect();
  try {
    const [sent] = await producer.send(topic, [{ key: command.ticketId, value }]);
    const what = command.workOrderId === null ? 'its CRM events' : `work order ${command.workOrderId}`;
    print(
      `sent reset-order for ticket ${command.ticketId}, ${what}, by ${command.by} (${command.reason}) ` +
        `as command ${command.envelope.eventId} to ${topic}[${sent?.partition ?? '?'}]`,
    );
    print(
      `the processor records the outcome on ${config.topics.quarantine}: ` +
        `closeloop quarantine list --ticket ${command.ticketId} --kind ORDER_RESET`,
    );
    return 0;
  } finally {
    await producer.disconnect();
  }
}
