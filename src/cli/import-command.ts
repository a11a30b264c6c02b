import { closeSync, openSync, writeSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { CloseloopConfig } from '../config/index.ts';
import { isCloseloopError } from '../errors/index.ts';
import { SHIPPED_SCHEMAS } from '../messaging/index.ts';
import { loadImportMapping, type ImportMapping } from '../import/mapping.ts';
import { importFile, type ImportResult } from '../import/run.ts';
import { KEPT_REJECTIONS } from '../import/report.ts';
import { ruleLines, ruleWarnings } from '../import/rule-use.ts';
import type { Rejection } from '../import/rows.ts';
import { dryRunMeasure, kafkaPublisher, type ImportPublisher } from '../import/publisher.ts';
import { connectorAdopter, type Adopter } from '../import/adopt.ts';
import type { CrmTicketEvent, WorkOrderEvent } from '../domain/types.ts';
import type { Logger } from '../observability/logger.ts';
import { progress } from '../observability/progress.ts';
import { errorLine } from './describe-error.ts';
import { rejectsOverwritesInput, requireReadableExport } from './import-paths.ts';

export interface ImportArgs {
  readonly file: string;
  readonly mapping: string;
  readonly dryRun?: boolean | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  /** A department connector whose system's existing work orders the open tickets adopt. */
  readonly adopt?: string | undefined;
  /** How long adoption waits for the processor to read the imported tickets. */
  readonly wait?: string | undefined;
  /** A file the whole reject report is written to, one rejection a line. */
  readonly rejects?: string | undefined;
  /** How many rejections the output lists in full (KEPT_REJECTIONS by default). */
  readonly showRejections?: string | undefined;
}

export interface AdoptionCount {
  readonly connector: string;
  readonly adopted: number;
}

/** An instant for --since/--until; without an offset it is read in the export's own zone. */
function instant(text: string | undefined, mapping: ImportMapping): number | undefined | null {
  if (text === undefined) return undefined;
  const ms = DateTime.fromISO(text, { zone: mapping.timeZone }).toMillis();
  return Number.isFinite(ms) ? ms : null;
}

export function formatImport(
  r: ImportResult,
  dryRun: boolean,
  adopted: AdoptionCount | null = null,
  rejectsFile: string | null = null,
): string[] {
  const lines = [
    `${dryRun ? 'dry run: nothing published; ' : ''}read ${r.read} row(s): imported ${r.imported} (${r.open} open), rejected ${r.rejected}` +
      (r.outside > 0 ? `; ${r.outside} outside --since/--until` : ''),
    `${dryRun ? 'would publish' : 'published'} ${r.events} CRM event(s) in ${r.seconds.toFixed(1)} s ` +
      `(${Math.round((r.read + r.outside) / Math.max(r.seconds, 0.001))} rows/s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB)`,
  ];
  const months = [...r.months.keys()];
  lines.push(
    months.length === 0
      ? 'months covered: none'
      : `months covered: ${months[0]} to ${months[months.length - 1]}, ${months.length} month(s) with requests`,
  );
  if (!dryRun && months.length > 0) {
    lines.push(
      `volume figures, once the worker has applied the events: closeloop kpi volume --from ${months[0]} --to ${months[months.length - 1]}`,
    );
  }
  // A pattern that never matched is in the report as on stderr: a rule copied from another
  // city's mapping would otherwise give every row the default without a word.
  lines.push(...ruleLines(r.rules), ...ruleWarnings(r.rules));
  if (adopted) {
    lines.push(
      `adopted ${adopted.adopted} of ${r.open} open ticket(s)' existing work orders through ${adopted.connector}` +
        (adopted.adopted < r.open ? '; the others wait for their department as imported' : ''),
    );
  }
  if (r.rejected === 0) return lines;
  const some = r.rejections.length < r.rejected;
  lines.push(
    `rejected rows (row, column, reason)${some ? `, the first ${r.rejections.length} of ${r.rejected}` : ''}:`,
  );
  for (const x of r.rejections) lines.push(`  ${x.row}\t${x.column}\t${x.reason}`);
  if (some) {
    lines.push('all rejected rows by reason (count, column, reason, first row):');
    for (const g of r.rejectionsByReason) lines.push(`  ${g.count}\t${g.column}\t${g.reason}\t${g.firstRow}`);
  }
  lines.push(
    rejectsFile !== null
      ? `every rejected row is in ${rejectsFile}`
      : some
        ? 'for every rejected row in a file: --rejects <file>'
        : '',
  );
  return lines.filter((l) => l !== '');
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
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let mapping: ImportMapping;
  try {
    mapping = await loadImportMapping(args.mapping);
  } catch (err) {
    if (!isCloseloopError(err, 'CL_CONFIG_INVALID')) throw err;
    printError(errorLine(err));
    return 1;
  }
  // Every event carries the mapping's jurisdiction: another city's mapping (a copied file, the
  // wrong --mapping) would put that city's tickets into this bridge under its name.
  const expected = config.policy.jurisdiction as string | undefined;
  if (expected !== undefined && mapping.jurisdiction !== expected) {
    printError(
      `closeloop: CL_CONFIG_INVALID: ${args.mapping}: jurisdiction ${mapping.jurisdiction} is not the config's ` +
        `(${expected}): every imported event would carry it; use this city's mapping, or set its jurisdiction`,
    );
    return 1;
  }
  const since = instant(args.since, mapping);
  const until = instant(args.until, mapping);
  if (since === null || until === null) {
    printError(
      'closeloop: CL_ARGUMENT_INVALID: --since and --until take ISO 8601 instants, e.g. 2018-01-01 or 2018-01-01T00:00Z',
    );
    return 2;
  }
  if (since !== undefined && until !== undefined && since >= until) {
    printError(
      `closeloop: CL_ARGUMENT_INVALID: --since ${args.since} is not before --until ${args.until}: no row could be imported`,
    );
    return 2;
  }
  const waitMs = Number(args.wait ?? '120') * 1000;
  if (!Number.isFinite(waitMs) || waitMs <= 0) {
    printError('closeloop: CL_ARGUMENT_INVALID: --wait takes a number of seconds, e.g. 300');
    return 2;
  }
  const show = Number(args.showRejections ?? KEPT_REJECTIONS);
  if (!Number.isSafeInteger(show) || show < 0) {
    printError('closeloop: CL_ARGUMENT_INVALID: --show-rejections takes a whole number of rows, e.g. 1000');
    return 2;
  }
  const dryRun = args.dryRun === true;
  let adopter: Adopter | null;
  try {
    adopter = args.adopt === undefined ? null : connectorAdopter(config, args.adopt, logger, env);
  } catch (err) {
    if (!isCloseloopError(err) || err.retriable) throw err;
    // A connector's settings or token: a config problem (exit 1), as for `run`.
    printError(errorLine(err));
    return 1;
  }
  const overwritten =
    args.rejects === undefined
      ? null
      : await rejectsOverwritesInput(args.rejects, [
          { option: '--file', file: args.file },
          { option: '--mapping', file: args.mapping },
        ]);
  if (overwritten !== null) {
    printError(
      `closeloop: CL_ARGUMENT_INVALID: --rejects ${args.rejects} names the same file as ${overwritten}: writing the report would ` +
        'destroy it; name another file for the rejections',
    );
    return 2;
  }
  try {
    await requireReadableExport(args.file);
  } catch (err) {
    printError(errorLine(err));
    return 1;
  }
  let rejects: RejectsFile | null;
  try {
    rejects = args.rejects === undefined ? null : new RejectsFile(args.rejects);
  } catch (err) {
    printError(`closeloop: CL_ARGUMENT_INVALID: --rejects ${args.rejects}: ${(err as Error).message}`);
    return 2;
  }
  const publisher = dryRun ? null : await kafkaPublisher(config, logger, SHIPPED_SCHEMAS);
  const bar = progress('import', 'bytes', 1);
  const open: CrmTicketEvent[] = [];
  try {
    const result = await importFile({
      file: args.file,
      mapping,
      since,
      until,
      sink: publisher,
      ...(publisher ? {} : { measure: await dryRunMeasure(SHIPPED_SCHEMAS) }),
      onProgress: (done, size) => bar.update(done, size),
      ...(adopter ? { onOpen: (e: CrmTicketEvent) => open.push(e) } : {}),
      ...(rejects ? { onRejection: (r: Rejection) => rejects.write(r) } : {}),
      keepRejections: show,
      // The bound the processor judges event times by (its policy): what it would quarantine is rejected here.
      maxFutureMs: config.policy.ordering?.maxFutureMs,
    });
    bar.stop();
    rejects?.close();
    const adopted = adopter ? await adopt(adopter, open, publisher, waitMs) : null;
    for (const line of formatImport(result, dryRun, adopted, args.rejects ?? null)) print(line);
    for (const line of ruleWarnings(result.rules)) printError(line);
    return result.rejected > 0 ? 1 : 0;
  } finally {
    bar.stop();
    rejects?.close();
    await publisher?.close();
    await adopter?.close();
  }
}

/** The whole reject report, written as it is found (a tab-separated line a row), a buffer at a time. */
class RejectsFile {
  readonly #fd: number;
  #buffer = '';
  #closed = false;

  constructor(file: string) {
    this.#fd = openSync(file, 'w');
    this.#buffer = 'row\tcolumn\treason\n';
  }

  write(r: Rejection): void {
    this.#buffer += `${r.row}\t${r.column}\t${r.reason.replace(/[\t\r\n]/g, ' ')}\n`;
    if (this.#buffer.length >= 65_536) this.#flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#flush();
    closeSync(this.#fd);
  }

  #flush(): void {
    writeSync(this.#fd, this.#buffer);
    this.#buffer = '';
  }
}

/**
 * Looks up each open ticket's existing work order and publishes what was found, once the
 * processor holds the tickets. A dry run looks up and counts, and publishes nothing.
 */
async function adopt(
  adopter: Adopter,
  open: readonly CrmTicketEvent[],
  publisher: ImportPublisher | null,
  waitMs: number,
): Promise<AdoptionCount> {
  const found: WorkOrderEvent[] = [];
  for (const e of open) {
    const wo = await adopter.find(e);
    if (wo) found.push(wo);
  }
  if (publisher && found.length > 0) {
    await publisher.processorCaughtUp(waitMs);
    await publisher.publishWorkOrders(found);
  }
  return { connector: adopter.connector, adopted: found.length };
}
