import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The closeloop process itself (src/cli/main.ts), as a shell runs it: its exit code, and what a
 * reader on the other end of a pipe receives. `slowMs` holds the pipe unread at first, as a
 * pager or a slow `wc` does, so the process reaches its exit with output still queued.
 */
function closeloop(args: string[], slowMs = 0): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    const out: Buffer[] = [];
    let err = '';
    if (slowMs > 0) {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), slowMs);
    }
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString(), err }));
  });
}

describe('the closeloop process', () => {
  it('hands a slow pipe every line before it exits', async () => {
    // An export whose every row is refused: the report lists each, far more than a pipe holds.
    const csv = (await readFile('data/baltimore_311_sample_10k.csv', 'utf8')).split('\n');
    const [header, row] = csv;
    if (!header || !row) throw new Error('no sample rows');
    const rows = Array.from({ length: 4_000 }, (_, i) =>
      row.replace(/^18-00269879,18-00269879,/, `X-${i},X-${i},`).replace('04/12/2018 11:11:26 AM', 'not a date'),
    );
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'cl-exit-')), 'bad.csv');
    await writeFile(file, [header, ...rows].join('\n'));
    const run = await closeloop(
      [
        'import',
        '--file',
        file,
        '--mapping',
        'config/import/baltimore.yaml',
        '--dry-run',
        // The output lists the first 100 rejections unless told: here, all of them.
        '--show-rejections',
        '4000',
        '--config',
        'config/closeloop.yaml',
      ],
      1_000,
    );
    const listed = run.out.split('\n').filter((l) => /^ {2}\d+\t/.test(l));
    expect(run.err).toBe('');
    expect(listed).toHaveLength(4_000);
    expect(run.code).toBe(1);
  }, 60_000);

  it('exits 0 for help asked for, 2 with the code for a usage error, 1 with the code for a failure', async () => {
    const help = await closeloop(['help', 'dlq']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('Usage: closeloop dlq')]);
    const nested = await closeloop(['help', 'dlq', 'replay']);
    expect([nested.code, nested.out]).toEqual([0, expect.stringContaining('Usage: closeloop dlq replay')]);
    // Help for a name that is no command says so, rather than printing the program's help.
    const unknown = await closeloop(['help', 'reconcil']);
    expect([unknown.code, unknown.out]).toEqual([2, '']);
    expect(unknown.err).toMatch(
      /^closeloop: CL_ARGUMENT_INVALID: unknown command 'reconcil'; the commands are run, .*reconcile/,
    );
    const typo = await closeloop(['dlq', 'list', '--sinse', 'x']);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("closeloop: CL_ARGUMENT_INVALID: unknown option '--sinse'");
    const missing = await closeloop(['alerts', 'list', '--config', 'no/such/closeloop.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^closeloop: CL_CONFIG_INVALID: /m);
    // The shipped config runs the worker only: serving the status API from it is a config problem.
    const noApi = await closeloop(['status-api', '--config', 'config/closeloop.yaml']);
    expect(noApi.code).toBe(1);
    expect(noApi.err).toMatch(/^closeloop: CL_CONFIG_INVALID: config\/closeloop.yaml has no statusApi section/m);
  }, 60_000);
});
