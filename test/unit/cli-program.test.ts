import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

/** Runs the closeloop command in process; returns what it printed and how it ended. */
async function closeloop(...args: string[]): Promise<{ out: string; err: string; code: number | string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | string = -1;
  const program = buildProgram({ print: (l) => out.push(l), printError: (l) => err.push(l) }, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'closeloop', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.code;
  }
  return { out: out.join('\n'), err: err.join('\n'), code };
}

const COMMANDS = [
  'run',
  'reconcile',
  'health',
  'status-api',
  'dlq',
  'quarantine',
  'alerts',
  'kpi',
  'roles',
  'source',
  'workorder',
];

describe('the closeloop command line', () => {
  it('lists every command with one line each, and the exit codes', async () => {
    const { out, code } = await closeloop('--help');
    expect(code).toBe('commander.helpDisplayed');
    for (const c of COMMANDS) expect(out).toMatch(new RegExp(`^  ${c}( \\[options\\])? +\\S`, 'm'));
    expect(out).toContain('Exit codes:');
  });

  it.each([
    ['run', '--config <file>', 'config/closeloop.yaml'],
    ['kpi', '--month <YYYY-MM>', 'false'],
    ['dlq replay', '--by <who>', 'config/closeloop.yaml'],
    ['workorder reset-order', '--work-order <id>', 'false'],
    ['source cursor', '--set <cursor>', 'config/closeloop.yaml'],
  ])('closeloop %s --help lists its options with defaults', async (command, option, shown) => {
    // Help wraps long lines; the words are what matter.
    const out = (await closeloop(...command.split(' '), '--help')).out.replace(/\s+/g, ' ');
    expect(out).toContain(option);
    expect(out).toContain(`(default: ${shown === 'false' ? 'false' : `"${shown}"`})`);
  });

  it('names the fix for an unknown option or command, and a missing required one', async () => {
    const typo = await closeloop('dlq', 'list', '--sinse', 'yesterday');
    expect(typo.code).toBe('commander.unknownOption');
    expect(typo.err).toContain("unknown option '--sinse'");
    expect(typo.err).toContain('Did you mean --since?');
    const command = await closeloop('alert', 'list');
    expect(command.err).toContain('Did you mean alerts?');
    const missing = await closeloop('kpi');
    expect(missing.err).toContain("required option '--month <YYYY-MM>' not specified");
    // A misspelt required option is named as the typo it is, not as the option missing.
    const misspelt = await closeloop('import', '--fille', 'export.csv', '--mapping', 'm.yaml');
    expect([misspelt.code, misspelt.err]).toEqual([
      'commander.unknownOption',
      expect.stringContaining("unknown option '--fille'\n(Did you mean --file?)"),
    ]);
    // A group's own help command knows its subcommands too.
    const help = await closeloop('dlq', 'help', 'lst');
    expect([help.code, help.out, help.err]).toEqual([
      'commander.invalidArgument',
      '',
      "closeloop: CL_ARGUMENT_INVALID: unknown command 'dlq lst'; the commands are list, show, replay",
    ]);
    const both = await closeloop('alerts', 'ack');
    expect([both.code, both.err]).toEqual([
      'commander.invalidArgument',
      "closeloop: CL_ARGUMENT_INVALID: required options '--id <alertId>', '--by <who>' not specified",
    ]);
  });

  // Commander gives a value-taking option the next word whatever it is: `--rejects --dry-run`
  // wrote rejects to a file named "--dry-run" and imported for real.
  it("refuses another of the command's options as an option's value", async () => {
    const cases: [string[], string, string][] = [
      [['import', '--file', 'x.csv', '--mapping', 'm.yaml', '--rejects', '--dry-run'], '--rejects <file>', '--dry-run'],
      [['dlq', 'replay', '--by', '--again', '--reason', 'r'], '--by <who>', '--again'],
      [['workorder', 'reset-order', '--ticket', '--crm', '--by', 'me', '--reason', 'r'], '--ticket <id>', '--crm'],
      [['dlq', 'list', '--since', '-c'], '--since <iso>', '-c'],
    ];
    for (const [args, option, flag] of cases) {
      const run = await closeloop(...args);
      expect([run.code, run.err], args.join(' ')).toEqual([
        'commander.invalidArgument',
        `closeloop: CL_ARGUMENT_INVALID: option '${option}' was given the option '${flag}' as its value: give the value right after it`,
      ]);
    }
    // A value that only starts with "-" is the value, for the option's own check to judge.
    const negative = await closeloop('reconcile', '--rate', '-5', '--dry-run');
    expect(negative.err).not.toContain('as its value');
    expect(negative.err).toContain('--rate');
  });

  it('marks every required option so in help', async () => {
    for (const [command, options] of [
      ['dlq show', ['--id <id>']],
      ['dlq replay', ['--by <who>']],
      ['alerts ack', ['--id <alertId>', '--by <who>']],
      ['import', ['--file <export.csv>', '--mapping <mapping.yaml>']],
    ] as const) {
      const help = (await closeloop(...command.split(' '), '--help')).out.replace(/\s+/g, ' ');
      for (const option of options)
        expect(help, `${command} ${option}`).toMatch(new RegExp(`${option}(?:(?! -[-a-z]).)*\\(required\\)`));
    }
  });

  it('answers --version with the package version', async () => {
    const { out, code } = await closeloop('--version');
    expect(code).toBe('commander.version');
    expect(out).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('names every missing reset-order option at once, and refuses instants without a zone', async () => {
    const reset = await closeloop('workorder', 'reset-order', '--ticket', 'T1', '--config', 'config/closeloop.yaml');
    expect(reset.code).toBe(2);
    for (const option of ['--work-order', '--by', '--reason']) expect(reset.err).toContain(`${option} is required`);
    for (const now of ['1', 'May 1', '2024-05-01T00:00']) {
      const roles = await closeloop('roles', 'list', '--now', now, '--config', 'config/closeloop.yaml');
      expect([roles.code, roles.err]).toEqual([
        2,
        expect.stringContaining('CL_ARGUMENT_INVALID: --now must be an ISO-8601 instant with a time zone'),
      ]);
    }
    const since = await closeloop('reconcile', '--since', '2024-05-01T00:00', '--config', 'config/closeloop.yaml');
    expect([since.code, since.err]).toEqual([
      2,
      expect.stringMatching(/^closeloop: CL_ARGUMENT_INVALID: --since must be an ISO-8601 instant with a time zone/),
    ]);
  });

  it('refuses options that cannot apply rather than dropping them', async () => {
    const volume = await closeloop('kpi', '--month', '2024-05', '--publish', 'volume');
    expect(volume.code).toBe('commander.invalidArgument');
    expect(volume.err).toBe('closeloop: CL_ARGUMENT_INVALID: --month, --publish are for kpi, not kpi volume');
    const unreadable = await closeloop('kpi', '--month', '2024-05', '--allow-unreadable');
    expect(unreadable.err).toBe('closeloop: CL_ARGUMENT_INVALID: --allow-unreadable only applies with --publish');
    const wait = await closeloop('import', '--file', 'x.csv', '--mapping', 'y.yaml', '--wait', '5');
    expect(wait.err).toBe('closeloop: CL_ARGUMENT_INVALID: --wait only applies with --adopt');
  });
});
