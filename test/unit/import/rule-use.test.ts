import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatImport, runImport } from '../../../src/cli/import-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { loadImportMapping } from '../../../src/import/mapping.ts';
import { importFile } from '../../../src/import/run.ts';
import { createLogger } from '../../../src/observability/logger.ts';

// The Baltimore mapping's rules (closure '\(Duplicate\)', a duplicateOf pattern, channels) on
// rows written the way another city writes them: NYC says "is a duplicate of an existing complaint".
const HEADER =
  'ServiceRequestNum,SRType,MethodReceived,CreatedDate,SRStatus,DueDate,CloseDate,Agency,' +
  'Outcome,LastActivity,Address,Latitude,Longitude,CouncilDistrict';
const OPENED = '01/05/2018 09:00:00 AM';
const CLOSED = '01/06/2018 10:00:00 AM';
const NYC_DUP = 'The Department determined this complaint is a duplicate of an existing complaint.';

async function exportFile(lines: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-rules-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, [HEADER, ...lines].join('\n'));
  return file;
}

const nyc = [
  `N-1,SW-Dirty Alley,Phone,${OPENED},Closed,,${CLOSED},Solid Waste,${NYC_DUP},,,,,`,
  `N-2,SW-Dirty Alley,Phone,${OPENED},Closed,,${CLOSED},Solid Waste,${NYC_DUP},,,,,`,
  `N-3,SW-Dirty Alley,Phone,${OPENED},Open,,,Solid Waste,,,,,,`,
];

describe("the use of the mapping's closure and duplicateOf rules", () => {
  it('counts, per closure rule, the closed rows it matched and those given the default', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const r = await importFile({
      file: await exportFile([
        ...nyc,
        `N-4,SW-Dirty Alley,Phone,${OPENED},Closed (Duplicate),,${CLOSED},Solid Waste,,,,,,`,
        `N-5,SW-Dirty Alley,Phone,${OPENED},Closed,,${CLOSED},Solid Waste,Duplicate of SR 18-0001,,,,,`,
      ]),
      mapping,
      sink: null,
    });
    expect(r.rules).toMatchObject({
      closed: 4,
      closureRules: [
        { reason: 'DUPLICATE', pattern: '\\(Duplicate\\)', matched: 1 },
        { reason: 'REFERRED_EXTERNAL', matched: 0 },
      ],
      closureDefault: { reason: 'WORK_COMPLETED', count: 2 },
      closedAsDuplicate: 1,
      duplicateOf: { matched: 1 },
      rows: 5,
    });
    const lines = formatImport(r, true);
    expect(lines).toContain(
      'closure reasons: DUPLICATE 1 (rule 1), DUPLICATE 1 (naming a parent), WORK_COMPLETED 2 (default)',
    );
    expect(lines).toContain(
      "warning: closure rule 2 ('\\(Transferred\\)' → REFERRED_EXTERNAL) matched none of 3 closed row(s): check the pattern against the export's text",
    );
  });

  it('warns, on stderr and in the report, of a rule copied from another city that matched none of the rows, and exits 0', async () => {
    const out: string[] = [];
    const errors: string[] = [];
    const code = await runImport(
      { file: await exportFile(nyc), mapping: 'config/import/baltimore.yaml', dryRun: true },
      { policy: { jurisdiction: 'baltimore' } } as CloseloopConfig,
      createLogger({ level: 'silent' }),
      (l) => out.push(l),
      (l) => errors.push(l),
    );
    expect(code).toBe(0);
    const warning =
      "warning: closure rule 1 ('\\(Duplicate\\)' → DUPLICATE) matched none of 2 closed row(s): check the pattern against the export's text";
    expect(errors).toContain(warning);
    expect(out).toContain(warning);
    expect(out).toContain('closure reasons: WORK_COMPLETED 2 (default)');
    expect(errors.join('\n')).toMatch(/the duplicateOf pattern \(.*\) named a parent on none of 3 row\(s\)/);
  });
});
