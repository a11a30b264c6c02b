import type { CloseloopConfig } from '../config/index.ts';
import { parseMonth, volumeByMonth } from '../domain/kpi/index.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import { readKpiInputs } from '../kpi/read-inputs.ts';
import { formatVolume, VOLUME_FORMATS, type VolumeFormat } from '../kpi/volume-format.ts';
import { AvroSerde, createKafkaMessaging, requireTopics } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { timeZoneProblem } from '../sdk/time-zone.ts';
import { jurisdictionZone } from './kpi-command.ts';
import { errorLine, failureLine } from './describe-error.ts';

export const VOLUME_USAGE =
  'usage: closeloop kpi volume [--from YYYY-MM] [--to YYYY-MM] [--format table|json|csv] [--time-zone ZONE] [--config FILE]';

export interface VolumeArgs {
  /** First month shown, YYYY-MM, inclusive. */
  readonly from?: string | undefined;
  /** Last month shown, YYYY-MM, inclusive. */
  readonly to?: string | undefined;
  readonly format?: string | undefined;
  /** Where a ticket's status names no SLA zone, months are cut in this one. */
  readonly timeZone?: string | undefined;
}

export interface CheckedVolumeArgs {
  readonly from: string | null;
  readonly to: string | null;
  readonly format: VolumeFormat;
  readonly timeZone: string;
}

const isFormat = (f: string): f is VolumeFormat => (VOLUME_FORMATS as readonly string[]).includes(f);

/** Every option checked before anything connects; all problems named in one CL_ARGUMENT_INVALID. */
export function checkVolumeArgs(args: VolumeArgs, config: CloseloopConfig): CheckedVolumeArgs {
  const problems: string[] = [];
  const month = (name: string, text: string | undefined): string | null => {
    if (text === undefined) return null;
    try {
      parseMonth(text);
      return text;
    } catch {
      problems.push(`--${name} must be YYYY-MM (e.g. 2018-01), got "${text}"`);
      return null;
    }
  };
  const from = month('from', args.from);
  const to = month('to', args.to);
  if (from !== null && to !== null && from > to) problems.push(`--from ${from} is after --to ${to}`);
  const format = args.format ?? 'table';
  if (!isFormat(format)) problems.push(`--format must be one of ${VOLUME_FORMATS.join(', ')}, got "${format}"`);
  const timeZone = args.timeZone ?? jurisdictionZone(config);
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem !== null) problems.push(`--time-zone: ${zoneProblem}`);
  if (problems.length > 0 || !isFormat(format)) {
    throw new CloseloopError('CL_ARGUMENT_INVALID', problems.join('; '), { details: { problems } });
  }
  return { from, to, format, timeZone };
}

/**
 * `closeloop kpi volume`: per month of request, the tickets, by department, by channel, the ten
 * most requested types, and resolutions on time, late and without target (docs/kpi.md, Volume),
 * from each ticket's latest status. Exit codes: 0 done; 2 bad arguments; 1 when status records
 * could not be read: the figures are printed without them, and stderr says how many.
 */
export async function runVolume(
  args: VolumeArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  let checked: CheckedVolumeArgs;
  try {
    checked = checkVolumeArgs(args, config);
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ARGUMENT_INVALID')) throw err;
    printError(`${errorLine(err)}\n${VOLUME_USAGE}`);
    return 2;
  }
  const messaging = createKafkaMessaging({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-kpi-volume`,
    logger,
  });
  const admin = messaging.admin();
  await admin.connect();
  let inputs;
  try {
    // As `kpi --month`: a missing status topic is told at once, not after the client's retries.
    await requireTopics(admin, [config.topics.status]);
    inputs = await readKpiInputs({
      messaging,
      admin,
      serde: new AvroSerde({ ...config.schemaRegistry }),
      logger,
      statusTopic: config.topics.status,
      // Volume counts no violations: the quarantine topic is not read.
      quarantineTopic: null,
      driftTopic: null,
      fallbackZone: checked.timeZone,
    });
  } finally {
    await admin.disconnect();
  }
  const { from, to } = checked;
  const months = volumeByMonth(inputs.tickets).filter(
    (m) => (from === null || m.month >= from) && (to === null || m.month <= to),
  );
  for (const line of formatVolume(months, checked.format, checked.timeZone)) print(line);
  if (inputs.undecodable > 0) {
    printError(
      failureLine(
        'CL_INPUTS_UNREAD',
        `${inputs.undecodable} status record(s) could not be read and are missing from these figures ` +
          '(their positions are in the log)',
      ),
    );
    return 1;
  }
  return 0;
}
