import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../observability/logger.ts';
import { parseInstant } from '../ops/index.ts';
import { runAlerts } from './alerts-command.ts';
import { runConfigCheck } from './config-command.ts';
import { errorLine } from './describe-error.ts';
import { runHealth, topicAlerts } from './health-command.ts';
import { addHelpCommand } from './help-command.ts';
import { runImport, type ImportArgs } from './import-command.ts';
import { runKpi } from './kpi-command.ts';
import { runOps, type OpsArgs } from './ops-commands.ts';
import { runReconcile } from './reconcile-command.ts';
import { refuseOptionsAsValues } from './option-values.ts';
import { requireAfterUnknown } from './required-options.ts';
import { runRoles } from './roles-command.ts';
import { runSourceCursor } from './source-command.ts';
import { runPublic, runStatusApi, runWorker } from './serve-commands.ts';
import { runVolume, type VolumeArgs } from './volume-command.ts';
import { runWorkOrder } from './workorder-command.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const EXIT_CODES = `
Exit codes:
  0  done (ready, nothing open, nothing stale)
  1  done, and the answer is "no": not ready, alerts open, roles stale, input unreadable; or the
     command failed (a config problem, Kafka or the registry unreachable), with the reason on stderr
  2  the command could not be used: an unknown command or option, a missing or bad argument
     (the message names it and the fix); for health, the worker (or status API) could not be reached
  3  health only: ready, but stuck-ticket alerts are open (closeloop alerts list names them all)`;

/** kpi's own options, which `kpi volume` does not take. */
const KPI_ONLY = ['month', 'publish', 'now', 'allowUnreadable'] as const;
const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A usage error: printed as CL_ARGUMENT_INVALID by the output config, exit 2. */
function refuse(command: Command, message: string): never {
  command.error(`error: ${message}`, { code: 'commander.invalidArgument', exitCode: 2 });
}

export interface Io {
  print(line: string): void;
  printError(line: string): void;
}

/** Tools log to stderr at warn: stdout carries their answer, for people and scripts alike. */
const toolLogger = (name: string) =>
  createLogger({ name, level: process.env['LOG_LEVEL'] ?? 'warn', destination: process.stderr });

const configOption = () =>
  new Option('-c, --config <file>', 'the closeloop config file').default('config/closeloop.yaml');

const sinceUntil = (cmd: Command) =>
  cmd
    .option('--since <iso>', 'only what was written at or after this instant, e.g. 2026-11-01T00:00:00Z')
    .option('--until <iso>', 'only what was written before this instant');

/**
 * The `closeloop` command: one subcommand per job, each with its options and defaults in its
 * --help. Each action resolves to the exit code; `exit` receives it.
 */
export function buildProgram(io: Io, exit: (code: number) => void): Command {
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number> | number) =>
    async (...args: A) =>
      exit(await fn(...args));
  // exitOverride first: subcommands created after it inherit it, so a usage error anywhere is
  // thrown to the caller (exit 2) instead of exiting the process from inside commander.
  const program = new Command('closeloop')
    .exitOverride()
    .description('Integration bridge between a 311 CRM and department work-order systems, over Kafka.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    // A command's options come before its subcommand (`kpi volume --config x` is volume's
    // --config), so a group's options and its subcommands' options cannot take each other's values.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => io.print(s.trimEnd()),
      writeErr: (s) => io.printError(s.trimEnd()),
      // Usage errors carry their code from the catalog, as every other error the CLI prints.
      outputError: (s, write) => write(`closeloop: CL_ARGUMENT_INVALID: ${s.replace(/^error: /, '')}`),
    })
    .addHelpText('after', EXIT_CODES);

  program
    .command('run')
    .description('run the worker: the lifecycle processor and every configured connector')
    .addOption(configOption())
    .action(act((o: { config: string }) => runWorker(o.config)));

  program
    .command('config')
    .description('the config file')
    .command('check')
    .description('check the config as run does before it starts, connecting to nothing; exits 1 naming every problem')
    .option('--no-credentials', 'leave out the credentials the connectors take from the environment')
    .addOption(configOption())
    .action(act((o: { config: string; credentials: boolean }) => runConfigCheck(o, io.print)));

  program
    .command('reconcile')
    .description('find and heal drift between the CRM, the departments and the bridge, once')
    .option('--ticket <id>', 'only this ticket')
    .option(
      '--since <iso>',
      'only tickets changed since this instant, with its zone (default: every open one, and those closed within reconcile.closedWindowDays)',
    )
    .option('--dry-run', 'find and record nothing healed: report only', false)
    .option('--rate <n>', 'lookup calls per second at most (default: reconcile.ratePerSecond)')
    .addOption(configOption())
    .action(
      act(async (o: { config: string; ticket?: string; since?: string; dryRun: boolean; rate?: string }) =>
        runReconcile(o, await loadConfig(o.config), toolLogger('closeloop-reconcile'), io.print, io.printError),
      ),
    );

  program
    .command('health')
    .description("ask the running worker's ops server (or the status API's) whether it is ready, and why not")
    .addOption(configOption())
    .option('--status-api', "ask the status API's ops server (statusApi.ops) instead of the worker's (http)")
    .action(
      act(async (o: { config: string; statusApi?: boolean }) => {
        const config = await loadConfig(o.config);
        const alerts = topicAlerts(config, toolLogger('closeloop-health'));
        return runHealth(config, io.print, io.printError, 5_000, o.statusApi ? 'status-api' : 'worker', alerts);
      }),
    );

  program
    .command('status-api')
    .description('serve the public Open311 GeoReport v2 status API')
    .addOption(configOption())
    .action(act((o: { config: string }) => runStatusApi(o.config, io.printError)));

  program
    .command('public')
    .description('serve the public web pages (track a request, performance, departments) and the Open311 API')
    .addOption(configOption())
    .action(act((o: { config: string }) => runPublic(o.config, io.printError)));

  const dlq = program.command('dlq').description("this pipeline's dead letters: list, show, replay");
  const ops = (command: string, sub: string) =>
    act(async (o: OpsArgs & { config: string }) =>
      runOps(command, sub, o, await loadConfig(o.config), toolLogger('closeloop'), io.print, io.printError),
    );
  const filters = (cmd: Command) =>
    sinceUntil(
      cmd
        .option('--topic <topic>', 'one of the pipeline’s topics (or its dead-letter topic)')
        .option('--code <code>', 'an error code, e.g. CL_CONNECTOR_REJECTED')
        .option('--ticket <id>', 'one ticket'),
    );
  filters(dlq.command('list').description('list dead letters with their provenance').addOption(configOption())).action(
    ops('dlq', 'list'),
  );
  dlq
    .command('show')
    .description('show one dead letter: headers, error and original bytes')
    .requiredOption('--id <id>', 'the dead letter, <dlq topic>:<partition>:<offset>')
    .addOption(configOption())
    .action(ops('dlq', 'show'));
  filters(
    dlq
      .command('replay')
      .description('re-send matching dead letters to their topics, once, in one transaction with its audit')
      .requiredOption('--by <who>', 'who replays, recorded in the audit')
      .option('--again', 'also re-send, once more, lines whose replayed record failed again (needs --reason)', false)
      .option('--reason <text>', 'why, recorded in the audit (required with --again)')
      .addOption(configOption()),
  ).action(ops('dlq', 'replay'));

  const quarantine = program.command('quarantine').description('policy violations and unmapped codes');
  sinceUntil(
    quarantine
      .command('list')
      .description('list quarantine records')
      .option('--kind <kind>', 'a violation kind, e.g. PREMATURE_CLOSE')
      .option('--ticket <id>', 'one ticket')
      .addOption(configOption()),
  ).action(ops('quarantine', 'list'));

  const alerts = program
    .command('alerts')
    .description('stuck tickets, silent connectors, exhausted deliveries and skipped records');
  alerts
    .command('list')
    .description('list the alerts open now, with who is accountable; exits 1 while any is open')
    .addOption(configOption())
    .action(
      act(async (o: { config: string }) =>
        runAlerts('list', await loadConfig(o.config), toolLogger('closeloop'), io.print, io.printError),
      ),
    );
  alerts
    .command('ack')
    .description(
      'acknowledge a RECORDS_SKIPPED alert once the records it names were dealt with, a DELIVERY_EXHAUSTED one whose record will never be delivered, or (with --reason) one whose connector left the config or whose ticket is in no partition of the state; exits 1 if none is open',
    )
    .requiredOption('--id <alertId>', 'the alert, as `alerts list` and readiness name it')
    .requiredOption('--by <who>', 'who acknowledges, recorded in the alert')
    .option('--reason <why>', 'why, recorded in the alert and logged; required for an alert whose owner is gone')
    .addOption(configOption())
    .action(
      act(async (o: { config: string; id: string; by: string; reason?: string }) =>
        runAlerts('ack', await loadConfig(o.config), toolLogger('closeloop'), io.print, io.printError, o),
      ),
    );

  const kpi = program
    .command('kpi')
    .description('compute (and with --publish, publish) department KPIs for a month; `kpi volume` for volume figures')
    // Required, but checked in the action: commander would also demand it of `kpi volume`.
    .option('--month <YYYY-MM>', 'the month, in the jurisdiction’s time zone (required)')
    .option('--publish', 'write the figures to the KPI topic', false)
    .option('--now <iso>', 'judge open tickets as of this instant (default: now)')
    .option('--allow-unreadable', 'publish although some input records could not be read', false)
    .addOption(configOption());
  kpi.action(
    act(async (o: { config: string; month?: string; publish: boolean; now?: string; allowUnreadable: boolean }) => {
      if (o.month === undefined) {
        kpi.error("error: required option '--month <YYYY-MM>' not specified", {
          code: 'commander.missingMandatoryOptionValue',
          exitCode: 2,
        });
      }
      if (o.allowUnreadable && !o.publish) refuse(kpi, '--allow-unreadable only applies with --publish');
      return runKpi(o, await loadConfig(o.config), toolLogger('closeloop-kpi'), io.print, io.printError);
    }),
  );
  kpi
    .command('volume')
    .description(
      'print volume figures per month of request: tickets, by department, by channel, top 10 types, ' +
        'resolved on time / late / without target',
    )
    .option('--from <YYYY-MM>', 'first month shown (default: the first with requests)')
    .option('--to <YYYY-MM>', 'last month shown (default: the last with requests)')
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--time-zone <zone>', 'cut months in this zone where a ticket names none (default: the jurisdiction’s)')
    .addOption(configOption())
    .action(
      act(async (o: VolumeArgs & { config: string }) => {
        // `kpi --month X --publish volume` would run volume and drop what was asked of kpi.
        const given = KPI_ONLY.filter((k) => kpi.getOptionValueSource(k) === 'cli');
        if (given.length > 0)
          refuse(kpi, `${given.map(flag).join(', ')} ${given.length > 1 ? 'are' : 'is'} for kpi, not kpi volume`);
        return runVolume(o, await loadConfig(o.config), toolLogger('closeloop-kpi'), io.print, io.printError);
      }),
    );

  program
    .command('import')
    .description(
      "import a city's 311 history export through a mapping file, with no side effects on the CRM or departments",
    )
    .requiredOption('--file <export.csv>', 'the open-data export, CSV with a header row')
    .requiredOption('--mapping <mapping.yaml>', 'how its columns and values map, e.g. config/import/baltimore.yaml')
    .option('--dry-run', 'map and check every row and print the counts and rejected rows; publish nothing', false)
    .option('--since <iso>', "only tickets opened at or after this instant (the export's zone when no offset)")
    .option('--until <iso>', 'only tickets opened before this instant')
    .option(
      '--adopt <connector>',
      "go-live: open tickets adopt the department system's existing work orders, found by ticket id",
    )
    .option('--wait <seconds>', 'how long --adopt waits for the processor to read the imported tickets', '120')
    .option('--rejects <file>', 'write every rejected row to this file, a tab-separated line each')
    .option('--show-rejections <n>', 'how many rejected rows the output lists; the rest are counted by reason', '100')
    .addOption(configOption())
    .action(
      act(async (o: ImportArgs & { config: string }, command: Command) => {
        if (command.getOptionValueSource('wait') === 'cli' && o.adopt === undefined)
          refuse(command, '--wait only applies with --adopt');
        return runImport(o, await loadConfig(o.config), toolLogger('closeloop-import'), io.print, io.printError);
      }),
    );

  program
    .command('roles')
    .description('the accountable people per department')
    .command('list')
    .description('list them, stale confirmations marked; exits 1 when any is stale')
    .option('--now <iso>', 'judge staleness as of this instant (default: now)')
    .addOption(configOption())
    .action(
      act(async (o: { config: string; now?: string }) => {
        // An instant with its zone, as every other instant option takes: `1` or `May 1` is refused.
        let now = Date.now();
        if (o.now !== undefined) {
          try {
            now = Date.parse(parseInstant('now', o.now));
          } catch (err) {
            io.printError(errorLine(err));
            return 2;
          }
        }
        return runRoles('list', await loadConfig(o.config), now, io.print, io.printError);
      }),
    );

  program
    .command('source')
    .description("a source's stored cursor: where its next poll of the system starts")
    .command('cursor')
    .description("print a source's stored cursor, or move it with --set (after a system's feed went back)")
    .argument('<connector>', 'the connector whose source it is, e.g. crm-rest')
    .option('--set <cursor>', 'store this cursor, as the system gives it (e.g. 1042); a running worker is fenced')
    .addOption(configOption())
    .action(
      act(async (connector: string, o: { config: string; set?: string }) =>
        runSourceCursor(connector, o, await loadConfig(o.config), toolLogger('closeloop'), io.print, io.printError),
      ),
    );

  program
    .command('workorder')
    .description('audited operator commands on one work order')
    .command('reset-order')
    .description("reset a work order's (or with --crm, the ticket's) ordering watermark")
    // Required, but checked together by resetOrderCommand, which names every one missing at once.
    .option('--ticket <id>', 'the ticket (required)')
    .option('--work-order <id>', 'the work order')
    .option('--crm', 'reset the CRM events’ watermark instead', false)
    .option('--by <who>', 'who resets, recorded in the audit (required)')
    .option('--reason <text>', 'why, recorded in the audit (required)')
    .addOption(configOption())
    .action(
      act(
        async (o: {
          config: string;
          ticket?: string;
          workOrder?: string;
          crm: boolean;
          by?: string;
          reason?: string;
        }) =>
          runWorkOrder('reset-order', o, await loadConfig(o.config), toolLogger('closeloop'), io.print, io.printError),
      ),
    );

  addHelpCommand(program, refuse, exit);
  requireAfterUnknown(program, refuse);
  refuseOptionsAsValues(program, refuse);
  return program;
}
