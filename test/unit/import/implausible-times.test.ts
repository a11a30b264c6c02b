import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../../src/cli/import-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { loadImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow } from '../../../src/import/rows.ts';
import { createLogger } from '../../../src/observability/logger.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const HOUR = 3_600_000;
const FORMAT = 'MM/dd/yyyy hh:mm:ss a';
const local = (ms: number) => DateTime.fromMillis(ms, { zone: 'America/New_York' }).toFormat(FORMAT);

const row = {
  ServiceRequestNum: '24-00000001',
  SRType: 'TRT-Pothole',
  MethodReceived: 'Phone',
  CreatedDate: '01/18/2024 03:00:00 PM',
  SRStatus: 'Closed',
  DueDate: '01/25/2024 03:00:00 PM',
  CloseDate: '01/19/2024 03:00:00 PM',
  Agency: 'Transportation',
};

async function compiled(maxFutureMs?: number) {
  return compileMapping(await loadImportMapping('config/import/baltimore.yaml'), { now: NOW, maxFutureMs });
}

describe('an export time the processor would not believe', () => {
  it('rejects an open or close time in a mistyped year to come, naming the cell, before anything is published', async () => {
    const c = await compiled();
    expect(
      mapRow(c, { ...row, CreatedDate: '01/18/2204 03:00:00 PM', CloseDate: '01/19/2204 03:00:00 PM' }, 7),
    ).toEqual({
      ok: false,
      openedAt: expect.any(Number),
      rejection: {
        row: 7,
        column: 'CreatedDate',
        reason:
          '"01/18/2204 03:00:00 PM" is after the import\'s run time 2024-06-01T12:00:00.000Z by more than ' +
          'processor.ordering.maxFutureMs (86400000 ms): a mistyped year? The processor would quarantine its event',
      },
    });
    // Closed in the export: imported, it would stay open for good, its RESOLVED quarantined.
    expect(mapRow(c, { ...row, CloseDate: '01/19/2224 03:00:00 PM' }, 8)).toMatchObject({
      ok: false,
      rejection: { row: 8, column: 'CloseDate', reason: expect.stringContaining("is after the import's run time") },
    });
  });

  it("allows the processor's clock skew past the run time, and not a millisecond more", async () => {
    const c = await compiled();
    const skew = 86_400_000;
    const at = (ms: number) => ({ ...row, CreatedDate: local(ms), CloseDate: '', SRStatus: 'Open' });
    expect(mapRow(c, at(NOW + skew), 2).ok).toBe(true);
    expect(mapRow(c, at(NOW + skew + 1000), 2)).toMatchObject({ ok: false, rejection: { column: 'CreatedDate' } });
    // The processor's bound as configured, not a constant of the import's own.
    const strict = await compiled(HOUR);
    expect(mapRow(strict, at(NOW + 2 * HOUR), 2)).toMatchObject({
      ok: false,
      rejection: { reason: expect.stringContaining('processor.ordering.maxFutureMs (3600000 ms)') },
    });
  });

  it('rejects a time before 2000 (a placeholder, a mistyped year), which no event has', async () => {
    const c = await compiled();
    expect(mapRow(c, { ...row, CreatedDate: '12/31/1999 06:00:00 PM' }, 3)).toMatchObject({
      ok: false,
      rejection: {
        column: 'CreatedDate',
        reason: expect.stringMatching(/^"12\/31\/1999 06:00:00 PM" is before 2000-01-01T00:00:00\.000Z/),
      },
    });
    expect(mapRow(c, { ...row, CloseDate: '01/01/1900 12:00:00 AM' }, 3)).toMatchObject({
      ok: false,
      rejection: { column: 'CloseDate', reason: expect.stringContaining('is before 2000-01-01') },
    });
    expect(mapRow(c, { ...row, CreatedDate: '01/01/2000 12:00:00 AM' }, 3).ok).toBe(true);
  });

  it('takes a due date ahead (the ticket is open), but not one no department would set', async () => {
    const c = await compiled();
    const open = { ...row, SRStatus: 'Open', CloseDate: '' };
    expect(mapRow(c, { ...open, DueDate: '06/01/2030 03:00:00 PM' }, 4).ok).toBe(true);
    expect(mapRow(c, { ...open, DueDate: '01/25/2204 03:00:00 PM' }, 4)).toMatchObject({
      ok: false,
      rejection: {
        column: 'DueDate',
        reason: expect.stringContaining("is more than 10 years after the import's run time"),
      },
    });
    expect(mapRow(c, { ...open, DueDate: '01/01/1900 12:00:00 AM' }, 4)).toMatchObject({
      ok: false,
      rejection: { column: 'DueDate', reason: expect.stringContaining('is before 2000-01-01') },
    });
  });

  it('is judged by the bound the processor of the config judges by, in a dry run too', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-import-'));
    const file = path.join(dir, 'export.csv');
    const soon = local(Date.now() + 2 * HOUR);
    await writeFile(
      file,
      'ServiceRequestNum,SRType,MethodReceived,CreatedDate,SRStatus,DueDate,CloseDate,Agency,' +
        'Outcome,LastActivity,Address,Latitude,Longitude,CouncilDistrict\n' +
        `A-1,TRT-Pothole,Phone,${soon},Open,,,Transportation,,,,,,\n`,
    );
    const out: string[] = [];
    const config = { policy: { ordering: { maxSequenceJump: 100_000, maxFutureMs: HOUR } } } as CloseloopConfig;
    const code = await runImport(
      { file, mapping: 'config/import/baltimore.yaml', dryRun: true },
      config,
      createLogger({ level: 'silent' }),
      (l) => out.push(l),
      (l) => out.push(l),
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('2\tCreatedDate\t"');
    expect(out.join('\n')).toContain('processor.ordering.maxFutureMs (3600000 ms)');
  });
});
