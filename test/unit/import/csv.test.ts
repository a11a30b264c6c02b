import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { importFile } from '../../../src/import/run.ts';

const mapping = parseImportMapping(
  {
    jurisdiction: 'testcity',
    source: 'testcity-311',
    timeZone: 'America/Chicago',
    dateFormats: ['iso'],
    columns: {
      ticketId: 'Ticket ID',
      openedAt: 'Opened',
      closedAt: 'Closed',
      status: 'Status',
      requestType: 'Type',
      department: 'Dept',
      description: 'Description',
    },
    values: { status: { Open: 'open', Closed: 'closed' } },
    defaults: { channel: 'PHONE' },
  },
  'test.yaml',
);
const HEADER = 'Ticket ID,Opened,Closed,Status,Type,Dept,Description';

async function exportFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-csv-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, text);
  return file;
}

async function run(text: string) {
  const published: CrmTicketEvent[] = [];
  const result = await importFile({
    file: await exportFile(text),
    mapping,
    sink: { prepare: (e) => e, send: async (events) => void published.push(...events) },
  });
  return { result, published };
}

describe('reading an export', () => {
  it('rejects a row with fewer or more fields than the header instead of shifting its values', async () => {
    const { result, published } = await run(
      [
        HEADER,
        '1,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole',
        '2,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole',
        '3,2024-01-02T10:00:00Z,,Open,Pothole,DOT,hole, with a comma',
        '',
      ].join('\n'),
    );
    expect(result).toMatchObject({ read: 3, imported: 1, rejected: 2 });
    expect(result.rejections).toEqual([
      { row: 3, column: '(row)', reason: 'row 3 has 5 fields, the header has 7' },
      { row: 4, column: '(row)', reason: 'row 4 has 8 fields, the header has 7' },
    ]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '1']);
  });
});
