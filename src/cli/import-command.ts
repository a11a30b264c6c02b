import path from 'node:path';
import { DateTime } from 'luxon';
import type { CloseloopConfig } from '../config/index.ts';
import { isCloseloopError } from '../errors/index.ts';
import { loadImportMapping, type ImportMapping } from '../import/mapping.ts';
import { importFile, type ImportResult } from '../import/run.ts';
import { kafkaPublisher } from '../import/publisher.ts';
import type { Logger } from '../observability/logger.ts';
import { progress } from '../observability/progress.ts';

export interface ImportArgs {
  readonly file: string;
  readonly mapping: string;
  readonly dryRun?: boolean | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

/** An instant for --since/--until; without an offset it is read in the export's own zone. */
function instant(text: string | undefined, mapping: ImportMapping): number | undefined | null {
  if (text === undefined) return undefined;
  const ms = DateTime.fromISO(text, { zone: mapping.timeZone }).toMillis();
  return Number.isFinite(ms) ? ms : null;
}

export function formatImport(r: ImportResult, dryRun: boolean): string[] {
  const lines = [
    `${dryRun ? 'dry run: nothing published; ' : ''}read ${r.read} row(s): imported ${r.imported} (${r.open} open), rejected ${r.rejected}` +
      (r.outside > 0 ? `; ${r.outside} outside --since/--until` : ''),
    `${dryRun ? 'would publish' : 'published'} ${r.events} CRM event(s) in ${r.seconds.toFixed(1)} s ` +
      `(${Math.round((r.read + r.outside) / Math.max(r.seconds, 0.001))} rows/s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB)`,
  ];
  if (r.rejected > 0) {
    lines.push('rejected rows (row, column, reason):');
    for (const x of r.rejections) lines.push(`  ${x.row}\t${x.column}\t${x.reason}`);
  }
  return lines;
}

/**
 * `closeloop import`: a city's history export into the bridge as CRM events of origin "import",
 * which the processor records without sending work to departments or statuses to the CRM.
 * Exit codes: 0 every row imported; 1 some rows rejected (the report names them), or the import
 * failed; 2 bad arguments.
 */
export async function runImport(
  args: ImportArgs,
  config: CloseloopConfig,
  logger: Logger,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  let mapping: ImportMapping;
  try {
    mapping = await loadImportMapping(args.mapping);
  } catch (err) {
    if (!isCloseloopError(err, 'CL_CONFIG_INVALID')) throw err;
    printError(`closeloop import: ${err.message}`);
    return 2;
  }
  const since = instant(args.since, mapping);
  const until = instant(args.until, mapping);
  if (since === null || until === null) {
    printError('closeloop import: --since and --until take ISO 8601 instants, e.g. 2018-01-01 or 2018-01-01T00:00Z');
    return 2;
  }
  const dryRun = args.dryRun === true;
  const publisher = dryRun ? null : await kafkaPublisher(config, logger, path.resolve('schemas'));
  const bar = progress('import', 'bytes', 1);
  try {
    const result = await importFile({
      file: args.file,
      mapping,
      since,
      until,
      publish: publisher ? (events) => publisher.publish(events) : null,
      onProgress: (done, size) => bar.update(done, size),
    });
    bar.stop();
    for (const line of formatImport(result, dryRun)) print(line);
    return result.rejected > 0 ? 1 : 0;
  } finally {
    bar.stop();
    await publisher?.close();
  }
}
