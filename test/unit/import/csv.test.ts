import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { importFile } from '../../../src/import/run.ts';

const raw = {
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
};
const mapping = parseImportMapping(raw, 'test.yaml');
const HEADER = 'Ticket ID,Opened,Closed,Status,Type,Dept,Description';

async function exportFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-csv-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, text);
  return file;
}

async function run(text: string, m = mapping) {
  const published: CrmTicketEvent[] = [];
  const result = await importFile({
    file: await exportFile(text),
    mapping: m,
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

  it('reads a row short only in trailing unnamed columns (Excel drops their empty separators)', async () => {
    const { result, published } = await run(
      [
        `${HEADER},,`,
        '1,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole,,',
        '2,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole,',
        '3,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole',
        '4,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT',
        '5,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole,,,',
        '',
      ].join('\n'),
    );
    expect(result).toMatchObject({ read: 5, imported: 3, rejected: 2 });
    expect(result.rejections).toEqual([
      { row: 5, column: '(row)', reason: 'row 5 has 6 fields, the header has 9' },
      { row: 6, column: '(row)', reason: 'row 6 has 10 fields, the header has 9' },
    ]);
    expect(new Set(published.map((e) => e.ticketId))).toEqual(new Set(['1', '2', '3']));
  });
});

describe('the header', () => {
  const row = '1,2024-01-02T10:00:00Z,2024-01-03T10:00:00Z,Closed,Pothole,DOT,hole';

  it('must hold every column the mapping names: each missing one is named, with a near match', async () => {
    const header = 'ticket id,Opened,Closed ,Status,Kind,Dept,Description';
    const err = await run(`${header}\n${row}\n`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CL_IMPORT_HEADER_MISMATCH', stage: 'config', retriable: false });
    const message = (err as Error).message;
    expect(message).toContain('columns.ticketId: "Ticket ID" is not in the header (did you mean "ticket id"?)');
    expect(message).toContain('columns.closedAt: "Closed" is not in the header (did you mean "Closed "?)');
    expect(message).toMatch(/columns\.requestType: "Type" is not in the header\n/);
    expect(message).toContain('no row was read');
    expect(message).not.toContain('delimiter');
  });

  it.each([
    [',', ';'],
    [',', '\t'],
    [';', ','],
  ])(
    "read with delimiter %j from an export separated by %j, points to the mapping's delimiter",
    async (ours, theirs) => {
      const m = parseImportMapping({ ...raw, delimiter: ours }, 'test.yaml');
      const text = `${HEADER.replaceAll(',', theirs)}\n${row.replaceAll(',', theirs)}\n`;
      const err = await run(text, m).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CL_IMPORT_HEADER_MISMATCH' });
      const shown = JSON.stringify(theirs);
      expect((err as Error).message).toContain(
        `if the export is separated by ${shown}, set the mapping's delimiter to ${shown}`,
      );
    },
  );

  it('must not name a mapped column twice', async () => {
    await expect(run(`${HEADER},Status\n${row},Open\n`)).rejects.toMatchObject({
      code: 'CL_IMPORT_HEADER_MISMATCH',
      message: expect.stringContaining('columns.status: "Status" is in the header 2 times (columns 4, 8)'),
    });
  });

  it('may hold columns the mapping does not name', async () => {
    const { result } = await run(`${HEADER},Notes,Notes\n${row},a,b\n`);
    expect(result).toMatchObject({ imported: 1, rejected: 0 });
  });
});

describe('an export with nothing in it', () => {
  it.each([
    ['empty', '', 'the file is empty'],
    ['blank lines only', '\n\n', 'the file is empty'],
    ['a header only', `${HEADER}\n`, 'a header and no rows'],
    ['a header and blank lines', `${HEADER}\n\n\n`, 'a header and no rows'],
  ])('is an error, not an import of 0 rows: %s', async (_name, text, message) => {
    await expect(run(text)).rejects.toMatchObject({
      code: 'CL_IMPORT_EMPTY',
      message: expect.stringContaining(message),
    });
  });
});

describe('row numbers', () => {
  it('are the line on which the record starts, past blank lines and line breaks in quoted fields', async () => {
    const ok = (id: string, description = 'x') => `${id},2024-01-02T10:00:00Z,,Open,Pothole,DOT,${description}`;
    const bad = (id: string) => `${id},not a date,,Open,Pothole,DOT,x`;
    const lines = [HEADER, '', ok('1', '"two\r\nlines"'), bad('2'), '', '', ok('3', '"a\nb\n\nc"'), bad('4')];
    const { result } = await run(lines.join('\r\n'));
    // Line 1 the header, 2 blank, 3-4 ticket 1, 5 ticket 2, 6-7 blank, 8-11 ticket 3, 12 ticket 4.
    expect(result.rejections.map((r) => r.row)).toEqual([5, 12]);
  });
});

describe('quoting gone wrong', () => {
  const ok = (id: string, description = 'x') => `${id},2024-01-02T10:00:00Z,,Open,Pothole,DOT,${description}`;

  it('rejects a row with a quote inside an unquoted field, and reads on', async () => {
    const { result } = await run([HEADER, ok('1'), ok('2', '12" pipe'), ok('3', '"a ""quoted"" word"'), ''].join('\n'));
    expect(result).toMatchObject({ read: 3, imported: 2, rejected: 1 });
    expect(result.rejections).toEqual([
      { row: 3, column: 'Description', reason: expect.stringContaining('a quote in the middle of a field') },
    ]);
  });

  it('rejects a row whose quoted field holds an undoubled quote, and reads on', async () => {
    const { result } = await run([HEADER, ok('1', '"12" pipe"'), ok('2'), ''].join('\n'));
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(result.rejections[0]).toMatchObject({ row: 2, column: 'Description' });
  });

  it('rejects the line of a stray quote that swallowed the rows below it, and reads those rows', async () => {
    const lines = [HEADER, ok('1'), ok('2', '"broken main'), ok('3'), ok('4'), ok('5', 'pipe is 12"'), ok('6'), ''];
    const { result, published } = await run(lines.join('\n'));
    // The quote on line 3 closes cleanly at the end of line 6: one field, its lines rows.
    expect(result).toMatchObject({ read: 6, imported: 4, rejected: 2 });
    expect(result.rejections).toEqual([
      { row: 3, column: 'Description', reason: expect.stringContaining('a quote opens this field on line 3') },
      { row: 6, column: 'Description', reason: expect.stringContaining('a quote in the middle of a field') },
    ]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '3', '4', '6']);
  });

  it('keeps a quoted field with line breaks that hold no rows', async () => {
    const { result } = await run([HEADER, ok('1', '"first, line\nsecond, line"'), ''].join('\n'));
    expect(result).toMatchObject({ imported: 1, rejected: 0 });
  });

  it('keeps a quoted field whose lines have as many commas as a row has, when they are no rows', async () => {
    const description = '"Caller says:\nitems left: sofa, chair, table, lamp, rug, tv, boxes"';
    const { result, published } = await run([HEADER, ok('1', description), ok('2'), ''].join('\n'));
    expect(result).toMatchObject({ read: 2, imported: 2, rejected: 0 });
    expect(published.find((e) => e.ticketId === '1')?.description).toBe(
      'Caller says:\nitems left: sofa, chair, table, lamp, rug, tv, boxes',
    );
  });

  it('reads the rows a stray quote swallowed when they have more fields than the header', async () => {
    const lines = [HEADER, ok('1', '"broken main'), ok('2', 'sofa, chair'), ok('3', 'a, b, c'), ok('4', 'end"'), ''];
    const { result } = await run(lines.join('\n'));
    expect(result).toMatchObject({ read: 4, imported: 0, rejected: 4 });
    expect(result.rejections.map((r) => [r.row, r.column])).toEqual([
      [2, 'Description'],
      [3, '(row)'],
      [4, '(row)'],
      [5, 'Description'],
    ]);
  });

  it('rejects the row of a quote never closed, and reads the rows below it', async () => {
    const text = [HEADER, ok('1'), '', ok('2', '"never closed'), ok('3'), ok('4'), ''].join('\n');
    const { result, published } = await run(text);
    expect(result).toMatchObject({ read: 4, imported: 3, rejected: 1 });
    expect(result.rejections).toEqual([
      {
        row: 4,
        column: 'Description',
        reason: expect.stringContaining('a quote opened in this field on line 4 is never closed'),
      },
    ]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '3', '4']);
  });

  it('rejects a quote never closed on the last line', async () => {
    const { result } = await run([HEADER, ok('1'), ok('2', '"never closed')].join('\n'));
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(result.rejections[0]).toMatchObject({ row: 3, column: 'Description' });
  });
});

describe('line endings', () => {
  const ok = (id: string, description = 'x') => `${id},2024-01-02T10:00:00Z,,Open,Pothole,DOT,${description}`;
  const bad = (id: string) => `${id},not a date,,Open,Pothole,DOT,x`;

  it('reads LF rows below a header that ends in CRLF, each row counted and named', async () => {
    const text = `${HEADER}\r\n${[ok('1'), ok('2'), bad('3'), ok('4'), ''].join('\n')}`;
    const { result, published } = await run(text);
    expect(result).toMatchObject({ read: 4, imported: 3, rejected: 1 });
    expect(result.rejections).toEqual([{ row: 4, column: 'Opened', reason: expect.stringContaining('"not a date"') }]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '2', '4']);
  });

  it('reads CRLF rows below a header that ends in LF', async () => {
    const text = `${HEADER}\n${[ok('1'), bad('2'), ok('3'), ''].join('\r\n')}`;
    const { result, published } = await run(text);
    expect(result).toMatchObject({ read: 3, imported: 2, rejected: 1 });
    expect(result.rejections).toEqual([{ row: 3, column: 'Opened', reason: expect.stringContaining('"not a date"') }]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '3']);
  });

  it('reads rows ending in a lone CR (old Mac) among LF and CRLF ones', async () => {
    const text = `${HEADER}\r${ok('1')}\r${ok('2')}\n${bad('3')}\r\n${ok('4')}\r`;
    const { result, published } = await run(text);
    expect(result).toMatchObject({ read: 4, imported: 3, rejected: 1 });
    expect(result.rejections).toEqual([{ row: 4, column: 'Opened', reason: expect.stringContaining('"not a date"') }]);
    expect(published.map((e) => e.ticketId)).toEqual(['1', '2', '4']);
  });

  it('keeps CRLF and LF inside a quoted field of a mixed file as the field text, lines counted', async () => {
    const lines = [ok('1', '"first\r\nsecond, with a comma\nthird"'), bad('2'), ok('3', '"a\nb"'), bad('4'), ''];
    const text = `${HEADER}\r\n${lines[0]}\n${lines[1]}\r\n${lines[2]}\n${lines[3]}\n`;
    const { result, published } = await run(text);
    expect(result).toMatchObject({ read: 4, imported: 2, rejected: 2 });
    // Line 1 the header, 2-4 ticket 1, 5 ticket 2, 6-7 ticket 3, 8 ticket 4.
    expect(result.rejections.map((r) => r.row)).toEqual([5, 8]);
    const opened = published.filter((e) => e.kind === 'OPENED');
    expect(opened.map((e) => [e.ticketId, e.description])).toEqual([
      ['1', 'first\r\nsecond, with a comma\nthird'],
      ['3', 'a\nb'],
    ]);
  });
});
