import { copyFile, link, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImport, type ImportArgs } from '../../../src/cli/import-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const HEADER =
  'ServiceRequestNum,SRType,MethodReceived,CreatedDate,SRStatus,DueDate,CloseDate,Agency,' +
  'Outcome,LastActivity,Address,Latitude,Longitude,CouncilDistrict';
// One good row and one whose open time cannot be read, so a report has a rejection to write.
const EXPORT = [
  HEADER,
  'A-1,SW-Dirty Alley,Phone,01/05/2018 09:00:00 AM,Closed,,01/06/2018 10:00:00 AM,Solid Waste,,,,,,',
  'A-2,TRT-Pothole,Phone,not a date,Open,,,Transportation,,,,,,',
].join('\n');

async function workDir(): Promise<{ dir: string; file: string; mapping: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-rejects-'));
  const file = path.join(dir, 'export.csv');
  const mapping = path.join(dir, 'mapping.yaml');
  await writeFile(file, EXPORT);
  await copyFile('config/import/baltimore.yaml', mapping);
  return { dir, file, mapping };
}

async function run(args: ImportArgs): Promise<{ code: number; out: string[]; errors: string[] }> {
  const out: string[] = [];
  const errors: string[] = [];
  const code = await runImport(
    args,
    // No kafka section: a real run that got as far as connecting would fail on it.
    { policy: { jurisdiction: 'baltimore' } } as CloseloopConfig,
    createLogger({ level: 'silent' }),
    (l) => out.push(l),
    (l) => errors.push(l),
  );
  return { code, out, errors };
}

describe('import --rejects', () => {
  it.each([
    ['the export itself', 'file', '--file', (w: { file: string }) => w.file],
    ['the export by a symlink', 'file', '--file', (w: { dir: string }) => path.join(w.dir, 'link.csv')],
    ['the mapping by a hard link', 'mapping', '--mapping', (w: { dir: string }) => path.join(w.dir, 'hard.yaml')],
  ] as const)('refuses %s as a usage error and leaves it whole, dry run or not', async (_what, input, option, at) => {
    for (const dryRun of [true, false]) {
      const w = await workDir();
      await symlink(w.file, path.join(w.dir, 'link.csv'));
      await link(w.mapping, path.join(w.dir, 'hard.yaml'));
      const before = await readFile(w[input], 'utf8');
      const r = await run({ file: w.file, mapping: w.mapping, rejects: at(w), dryRun });
      expect(r.code).toBe(2);
      expect(r.errors.join('\n')).toMatch(
        new RegExp(`^closeloop: CL_ARGUMENT_INVALID: --rejects .* names the same file as ${option}`),
      );
      expect(await readFile(w[input], 'utf8')).toBe(before);
    }
  });

  it('overwrites an earlier report, as a re-run does', async () => {
    const w = await workDir();
    const report = path.join(w.dir, 'rejects.tsv');
    await writeFile(report, 'the last run\n');
    const r = await run({ file: w.file, mapping: w.mapping, rejects: report, dryRun: true });
    expect(r.code).toBe(1);
    const written = await readFile(report, 'utf8');
    expect(written).not.toContain('the last run');
    expect(written.split('\n')[0]).toBe('row\tcolumn\treason');
    expect(written.split('\n')).toHaveLength(3);
  });
});

describe('import of an export that cannot be read', () => {
  it.each([
    ['is not there', (dir: string) => path.join(dir, 'nowhere.csv'), /ENOENT/],
    ['is a directory', (dir: string) => dir, /EISDIR/],
  ])(
    'says so (CL_IMPORT_UNREADABLE, exit 1) before a real run connects to Kafka: one that %s',
    async (_what, at, said) => {
      const w = await workDir();
      const r = await run({ file: at(w.dir), mapping: w.mapping });
      expect(r.code).toBe(1);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^closeloop: CL_IMPORT_UNREADABLE: /);
      expect(r.errors[0]).toMatch(said);
    },
  );
});
