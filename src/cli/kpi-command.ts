import { DateTime } from 'luxon';
import type { CloseloopConfig } from '../config/index.ts';
import { KPI_DEFINITION_VERSION } from '../domain/kpi/index.ts';
import { isCloseloopError } from '../errors/index.ts';
import { formatKpiTable, runKpiJob } from '../kpi/index.ts';
import { AvroSerde, createKafkaMessaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { errorLine, failureLine } from './describe-error.ts';

export const KPI_USAGE =
  'usage: closeloop kpi --month YYYY-MM [--publish [--allow-unreadable]] [--now ISO] [--config FILE]';

export interface KpiArgs {
  readonly month?: string | undefined;
  readonly now?: string | undefined;
  readonly publish?: boolean | undefined;
  /** Publish although some input records could not be read (they stay on kept topics for good). */
  readonly allowUnreadable?: boolean | undefined;
}

/**
 * The jurisdiction's zone: that of the calendar of the "default" SLA policy. Violations carry no
 * calendar of their own, and a month must be cut at local midnight, not at UTC's.
 */
export function jurisdictionZone(config: CloseloopConfig): string {
  const sla = config.policy.sla;
  const policy = sla?.policyFor(null);
  return (policy && sla?.calendarNamed(policy.calendar)?.timeZone) ?? 'UTC';
}

/**
 * `closeloop kpi`: prints one month's KPI table and, with --publish, writes it to the KPI topic.
 * Exit codes: 0 done; 2 bad arguments; 1 when input records could not be read: the table is
 * printed without them, but nothing is published, since a scheduled run must not replace
 * complete figures with incomplete ones without anyone noticing.
 */
export async function runKpi(
  args: KpiArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  if (!args.month) {
    printError(`${failureLine('CL_ARGUMENT_INVALID', '--month is required')}\n${KPI_USAGE}`);
    return 2;
  }
  const timeZone = jurisdictionZone(config);
  // A time without an offset is read in the jurisdiction's zone, as people there would mean it.
  const now = args.now === undefined ? Date.now() : DateTime.fromISO(args.now, { zone: timeZone }).toMillis();
  if (!Number.isFinite(now)) {
    printError(
      failureLine(
        'CL_ARGUMENT_INVALID',
        `--now must be an ISO 8601 instant (e.g. 2026-11-03T12:00), got "${args.now}"`,
      ),
    );
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-kpi`,
    logger,
  });
  const serde = new AvroSerde({ ...config.schemaRegistry, log: logger });
  const publish = args.publish === true;
  let result;
  try {
    result = await runKpiJob({
      config,
      messaging,
      serde,
      logger,
      month: args.month,
      now,
      publish,
      timeZone,
      allowUnreadable: args.allowUnreadable === true,
    });
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(`${errorLine(err)}\n${KPI_USAGE}`);
    return 2;
  }
  const { month, provisional } = result;
  const footer = {
    definitionVersion: KPI_DEFINITION_VERSION,
    month,
    provisional,
    // Provisional names the zone the month is still running in: a ticket's, west of the city's.
    timeZone: result.provisionalIn ?? timeZone,
    computedAt: now,
    withoutBusinessDays: result.withoutBusinessDays,
  };
  for (const line of formatKpiTable(result.records, footer)) print(line);
  if (publish && result.published > 0) print(`published ${result.published} record(s) to ${config.topics.kpi}`);
  if (result.withdrawn > 0) {
    print(
      `withdrew ${result.withdrawn} record(s) of ${month} from ${config.topics.kpi}: departments with no figures now`,
    );
  }
  if (result.undecodable > 0) {
    const withheld = publish && args.allowUnreadable !== true;
    printError(
      failureLine(
        'CL_INPUTS_UNREAD',
        `${result.undecodable} input record(s) could not be read and are missing from these figures` +
          `${withheld ? '; nothing was published (--allow-unreadable publishes anyway)' : ''} (their positions are in the log)`,
      ),
    );
    return 1;
  }
  return 0;
}
