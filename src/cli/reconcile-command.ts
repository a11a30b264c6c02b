import type { CloseloopConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { parseInstant } from '../ops/index.ts';
import { AvroSerde, createKafkaMessaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { failureLine } from './describe-error.ts';
import { Metrics } from '../observability/metrics.ts';
import { reconcileLookups, runReconciliation, type NamedTicketGap, type ReconcileOutcome } from '../reconcile/index.ts';

export const RECONCILE_USAGE =
  'usage: closeloop reconcile [--ticket ID] [--since ISO] [--dry-run] [--rate N] [--config FILE]';

export interface ReconcileArgs {
  readonly ticket?: string | undefined;
  readonly since?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly rate?: string | undefined;
}

/** Why the ticket --ticket named was not checked, in words. */
const NOT_CHECKED: Record<NamedTicketGap, string> = {
  UNKNOWN:
    'the bridge holds no ticket of that id: check the id, or wait until the processor has handled its first event',
  AWAITED_PARENT:
    'it is only a parent that imported duplicates name and wait for; no export or CRM event has opened it yet',
};

function outcomeLine(o: ReconcileOutcome): string {
  const f = o.finding;
  const where = [f.department ?? '311', f.workOrderId ? `work order ${f.workOrderId}` : null].filter(Boolean).join(' ');
  return `${f.kind.padEnd(18)} ${f.ticketId}  ${where}: ${f.detail} -> ${o.action ?? 'nothing done (dry run)'}`;
}

/**
 * `closeloop reconcile`: one run of the engine the worker schedules, with this config's
 * connectors. Exit codes: 0 nothing left unhealed; 1 some drift is left for people (a missing
 * item, statuses the CRM lacks that are gone from the status topic, a closure accepted, or
 * anything found in a dry run), some lookup went unanswered, or the run ended early (a system
 * asked to wait too long), or the one ticket --ticket named could not be checked; 2 bad arguments.
 */
export async function runReconcile(
  args: ReconcileArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  const problems: string[] = [];
  // An instant with its zone: a bare date-time would be read in the machine's own zone.
  let since: number | undefined;
  try {
    since = args.since === undefined ? undefined : Date.parse(parseInstant('since', args.since));
  } catch (err) {
    problems.push(messageOf(err));
  }
  const rate = args.rate === undefined ? undefined : Number(args.rate);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0 && rate <= 1_000))
    problems.push(`--rate ${args.rate ?? ''} must be a number of lookup calls per second above 0, at most 1000`);
  if (args.ticket !== undefined && args.ticket.trim() === '') problems.push('--ticket needs a ticket id');
  if (problems.length > 0) {
    printError(`${failureLine('CL_ARGUMENT_INVALID', problems.join('; '))}\n${RECONCILE_USAGE}`);
    return 2;
  }
  const lookups = reconcileLookups(config, process.env, logger);
  if (!lookups.crm && lookups.departments.length === 0) {
    printError(failureLine('CL_CONFIG_INVALID', 'no configured connector has a lookup; nothing can be compared'));
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-reconcile`,
    logger,
  });
  try {
    const report = await runReconciliation({
      config,
      messaging,
      serde: new AvroSerde({ ...config.schemaRegistry, log: logger }),
      logger,
      lookups,
      metrics: new Metrics({ defaults: false }),
      dryRun: args.dryRun === true,
      ...(args.ticket !== undefined ? { ticketId: args.ticket.trim() } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(rate !== undefined ? { rate } : {}),
    });
    for (const o of report.outcomes) print(outcomeLine(o));
    const perSecond = report.ms > 0 ? ((report.checked * 1000) / report.ms).toFixed(1) : String(report.checked);
    print(
      `run ${report.runId}${report.resumedAfter ? ` (resumed after ${report.resumedAfter})` : ''}: ` +
        `${report.checked} ticket(s) checked in ${report.ms} ms (${perSecond}/s), ${report.outcomes.length} finding(s), ` +
        `${report.settling} changed too recently, ${report.changed} changed during the run, ` +
        `${report.unanswered} lookup(s) unanswered` +
        (args.dryRun === true ? '; dry run: nothing healed or recorded' : ''),
    );
    // An item no system answered for was not judged: a run where every lookup failed (systems
    // down) has found nothing, which is not "nothing left unhealed".
    if (report.unanswered > 0)
      print(
        `${report.unanswered} lookup(s) unanswered: those items were not judged this run; run again once the systems answer`,
      );
    if (report.notChecked !== null)
      print(`ticket ${args.ticket?.trim() ?? ''} was not checked: ${NOT_CHECKED[report.notChecked]}`);
    if (report.stoppedBecause !== null)
      print(`the run ended early (${report.stoppedBecause}): run it again to continue where it ended`);
    const left = report.outcomes.filter((o) => o.action === null || o.action === 'ALERTED' || o.action === 'ACCEPTED');
    return left.length > 0 || report.unanswered > 0 || report.stopped || report.notChecked !== null ? 1 : 0;
  } finally {
    await lookups.stop();
  }
}
