import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run build` is what an installed package runs (bin/closeloop.js prefers dist/). The built
// CLI failed at its first line, reading a package.json two folders up that the build never put
// there, and a command needing the shipped schemas looked for them in the working directory.
// Built into reports/ (git-ignored) rather than dist/, which other tests' CLI runs would pick up.
const OUT = 'reports/build-check/dist';
const root = process.cwd();
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

function node(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the built CLI', () => {
  it('runs from the build, from any folder, with its version and its schemas', () => {
    rmSync(OUT, { recursive: true, force: true });
    const built = node(['scripts/build.mjs', OUT]);
    expect(built).toMatchObject({ code: 0 });
    const cli = path.join(root, OUT, 'src/cli/main.js');

    expect(node([cli, '--version'], tmpdir())).toEqual({ code: 0, out: `${version}\n` });
    // A dry-run import encodes every event with the shipped schema, from another folder.
    const imported = node(
      [
        cli,
        'import',
        '--file',
        path.join(root, 'data/baltimore_311_sample_10k.csv'),
        '--mapping',
        path.join(root, 'config/import/baltimore.yaml'),
        '--config',
        path.join(root, 'config/closeloop.yaml'),
        '--dry-run',
      ],
      tmpdir(),
    );
    expect(imported.out).toContain('dry run: nothing published; read 10000 row(s): imported 10000');
    expect(imported.code).toBe(0);
  }, 180_000);
});
