import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../../src/cli/import-command.ts';
import { loadConfig, type CloseloopConfig } from '../../../src/config/index.ts';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { importFile, type ImportRun } from '../../../src/import/run.ts';

// A mapping that reads neither the caller's name nor phone: columns an export may carry anyway.
const mapping = parseImportMapping(
  {
    jurisdiction: 'testcity',
    source: 'testcity-311',
    timeZone: 'America/Chicago',
    dateFormats: ['iso'],
    columns: { ticketId: 'id', openedAt: 'opened', requestType: 'type', description: 'desc' },
    defaults: { channel: 'PHONE', department: 'DOT' },
  },
  'test.yaml',
);
const HEADER = 'id,opened,type,desc,caller_name,caller_phone';
const ok = (id: number, desc = 'hole', opened = '2024-01-02T10:00:00Z') =>
  `${id},${opened},Pothole,${desc},Jane Roe,410-555-0199`;

async function run(content: string | Buffer, o: Partial<ImportRun<CrmTicketEvent>> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-faults-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, content);
  const batches: string[][] = [];
  const result = await importFile({
    file,
    mapping,
    sink: { prepare: (e) => e, send: async (events) => void batches.push(events.map((e) => e.ticketId)) },
    ...o,
  });
  return { result, ids: batches.flat(), rows: result.rejections.map((r) => [r.row, r.column]) };
}

describe('a stray quote', () => {
  it('that closes 50 rows below in a quoted field loses none of them: its own line is rejected, the rest read', async () => {
    const lines = [HEADER, ok(1, '"stray quote'), ...Array.from({ length: 49 }, (_, i) => ok(i + 2))];
    lines.push(ok(51, '"1 ELM ST, BALTIMORE, MD"'), '');
    const { result, ids, rows } = await run(lines.join('\n'));
    expect(result).toMatchObject({ read: 51, imported: 50, rejected: 1 });
    expect(rows).toEqual([[2, 'desc']]);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 2)));
  });

  it('in a row with a multi-line note before it rejects up to the line the quote opened on', async () => {
    const lines = [
      HEADER,
      `1,2024-01-02T10:00:00Z,Pothole,"a note\nover two lines",x,"stray`,
      ok(2),
      ok(3, 'end"'),
      ok(4),
    ];
    const { result, ids, rows } = await run(lines.join('\n'));
    // Row 1 runs over lines 2-3 (its note), the stray quote opens on line 3; line 4 is ticket 2.
    expect(rows).toEqual([
      [2, 'caller_phone'],
      [5, 'desc'],
    ]);
    expect(result.rejections[0]?.reason).toContain('lines 2-3 are rejected');
    expect(ids).toEqual(['2', '4']);
  });
});

describe('one bad quote', () => {
  it('is one rejection for its row, and the rows below keep their line numbers', async () => {
    const lines = [HEADER, ok(1, '12" pipe and 6" pipe'), ok(2), ok(3, '"a "b" c "d" e"'), ok(4), `5,not a date,T,x,,`];
    const { result, ids, rows } = await run(lines.join('\n'));
    expect(result).toMatchObject({ read: 5, imported: 2, rejected: 3 });
    expect(rows).toEqual([
      [2, 'desc'],
      [4, 'desc'],
      [6, 'opened'],
    ]);
    expect(ids).toEqual(['2', '4']);
  });

  // Found by the property tests: the quote opened on line 2 closes at the inch mark on line 3,
  // and the fault is a later quote on line 3, so line 3 (ticket 2) went with row 2's rejection.
  it('that a quote fault on a later line follows names every line its row took', async () => {
    const lines = [
      HEADER,
      '1,2024-01-02T10:00:00Z,Pothole,"hole by the curb',
      '2,2024-01-02T10:00:00Z,Pothole,HOLE 12",Jane "JR" Roe,410-555-0199',
      ok(3),
    ];
    const { result, ids, rows } = await run(lines.join('\n'));
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(rows).toEqual([[2, 'caller_name']]);
    expect(result.rejections[0]?.reason).toContain('lines 2-3 are rejected');
    expect(ids).toEqual(['3']);
  });
});

describe('a header that is not readable CSV', () => {
  it('fails naming line 1, showing nothing of the row below it', async () => {
    const text = ['id,opened,type,desc,Caller "Name",caller_phone', ok(1), ''].join('\n');
    const failure = run(text);
    await expect(failure).rejects.toMatchObject({
      code: 'CL_IMPORT_UNREADABLE',
      message: expect.stringContaining('the header line is not readable CSV (line 1:'),
    });
    const message = String(await failure.catch((err: unknown) => err));
    expect(message).not.toMatch(/Jane|555/);
  });

  it('fails when a quote in it runs on over the rows, showing none of them', async () => {
    const text = ['id,opened,type,desc,"caller_name,caller_phone', ok(1), ok(2, 'x"'), ''].join('\n');
    const failure = run(text);
    await expect(failure).rejects.toMatchObject({
      code: 'CL_IMPORT_UNREADABLE',
      message: expect.stringContaining('line 1'),
    });
    expect(String(await failure.catch((err: unknown) => err))).not.toMatch(/Jane|555/);
  });
});

describe('bytes that are not UTF-8', () => {
  const latin = (s: string) => Buffer.from(s, 'latin1');

  it('in a column the mapping does not read do not reject the row', async () => {
    const text = Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      latin('1,2024-01-02T10:00:00Z,Pothole,hole,José García,x\n'),
    ]);
    const { result, ids } = await run(text);
    expect(result).toMatchObject({ read: 1, imported: 1, rejected: 0 });
    expect(ids).toEqual(['1']);
  });

  it('in a mapped column reject the row naming the column and byte, not the value', async () => {
    const before = '1,2024-01-02T10:00:00Z,Pothole,Pe';
    const text = Buffer.concat([Buffer.from(`${HEADER}\n`), latin(`${before}ña St,x,y\n`)]);
    const { result } = await run(text);
    const byte = HEADER.length + 1 + before.length;
    expect(result.rejections).toEqual([
      {
        row: 2,
        column: 'desc',
        reason: expect.stringContaining(`holds bytes that are not UTF-8 (the first at byte ${byte} `),
      },
    ]);
    expect(result.rejections[0]?.reason).not.toMatch(/Pe|\uFFFD/);
  });

  it('are told from a U+FFFD the file holds after a rejected row that had them', async () => {
    const text = Buffer.concat([
      Buffer.from(`${HEADER}\n${ok(1, '12" pipe caf')}`),
      Buffer.from([0xe9]),
      Buffer.from(`\n${ok(2, 'genuine \uFFFD')}\n`),
    ]);
    const { result, ids } = await run(text);
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(ids).toEqual(['2']);
  });
});

describe('a quote never closed, or closing far below', () => {
  it('holds no more than the record limit, and the rows below are read', async () => {
    const lines = [HEADER, ok(1), ok(2, '"never closed'), ...Array.from({ length: 40 }, (_, i) => ok(i + 3)), ''];
    const { result, ids, rows } = await run(lines.join('\n'), { maxRecordChars: 300 });
    expect(rows).toEqual([[3, 'desc']]);
    expect(result.rejections[0]?.reason).toContain('longer than 300 characters');
    expect(ids).toHaveLength(41);
  });

  it('rejects one line longer than the limit and reads on', async () => {
    const lines = [HEADER, ok(1, 'x'.repeat(1000)), ok(2, `"${'y'.repeat(1000)}"`), ok(3), ''];
    const { result, ids, rows } = await run(lines.join('\n'), { maxRecordChars: 300 });
    expect(rows).toEqual([
      [2, 'desc'],
      [3, 'desc'],
    ]);
    expect(ids).toEqual(['3']);
    expect(result.read).toBe(3);
  });

  it('publishes every batch: no row before or after it is lost', async () => {
    const lines = [HEADER, ok(1), ok(2), ok(3), ok(4, '"never closed'), ok(5), ''];
    const { result, ids } = await run(lines.join('\n'), { batchSize: 2 });
    expect(result).toMatchObject({ read: 5, imported: 4, rejected: 1 });
    expect(ids).toEqual(['1', '2', '3', '5']);
  });
});

describe('rows outside --since/--until', () => {
  it('are left out, not rejected, for faults that leave their open time readable', async () => {
    const old = '2015-01-01T10:00:00Z';
    const text = Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      Buffer.from(`1,${old},Pothole,caf`),
      Buffer.from([0xe9]),
      Buffer.from(`,x,y\n${ok(2, '12" pipe', old)}\n${ok(3)}\n${ok(4, 'a,b', old)}\n`),
    ]);
    const { result, rows } = await run(text, { since: Date.parse('2020-01-01T00:00:00Z') });
    // A row with a field too many cannot be placed: its open time may be any column's.
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1, outside: 2 });
    expect(rows).toEqual([[5, '(row)']]);
  });
});

describe('the reject report', () => {
  it('keeps the first rejections in full and counts every one by reason, however many there are', async () => {
    const bad = Array.from({ length: 250 }, (_, i) => `${i + 1},not a date ${i},Pothole,x,,`);
    const lines = [HEADER, ...bad, ok(251, '12" pipe'), ok(252), ''];
    const all: number[] = [];
    const { result } = await run(lines.join('\n'), { onRejection: (r) => all.push(r.row), keepRejections: 10 });
    expect(result).toMatchObject({ read: 252, imported: 1, rejected: 251 });
    expect(result.rejections.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(all).toEqual(Array.from({ length: 251 }, (_, i) => i + 2));
    expect(result.rejectionsByReason).toEqual([
      {
        column: 'opened',
        reason: expect.stringContaining('"…" matches none of the date formats'),
        count: 250,
        firstRow: 2,
      },
      { column: 'desc', reason: expect.stringContaining('a quote in the middle of a field'), count: 1, firstRow: 252 },
    ]);
  });

  it('counts repeated ticket ids and values holding a quote as one reason each, whatever their letters', async () => {
    const letters = (i: number) =>
      `${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
    const ids = Array.from({ length: 60 }, (_, i) => `${letters(i)}Q`);
    const row = (id: string, opened = '2024-01-02T10:00:00Z') => `${id},${opened},Pothole,hole,Jane Roe,410-555-0199`;
    // A value with a quote inside, then letters: `1" ab` as the CSV quotes it.
    const quotes = ids.map((id, i) => row(`Z${i}`, `"1"" ${letters(i)}"`));
    const lines = [HEADER, ...ids.map((id) => row(id)), ...ids.map((id) => row(id)), ...quotes, ''];
    const { result } = await run(lines.join('\n'), { keepRejections: 0 });
    expect(result).toMatchObject({ read: 180, imported: 60, rejected: 120 });
    expect(result.rejectionsByReason).toEqual([
      { column: 'id', reason: 'ticket "…" is already on row #', count: 60, firstRow: 62 },
      { column: 'opened', reason: '"…" matches none of the date formats iso', count: 60, firstRow: 122 },
    ]);
  });

  it('prints the first rejections and the counts by reason, and writes every one to --rejects', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-rejects-'));
    const file = path.join(dir, 'export.csv');
    const bad = Array.from({ length: 150 }, (_, i) => `${i + 1},not a date,Pothole,x,,`);
    await writeFile(file, [HEADER, ...bad, ok(151), ''].join('\n'));
    const mappingFile = path.join(dir, 'mapping.yaml');
    await writeFile(
      mappingFile,
      [
        'jurisdiction: testcity',
        'source: testcity-311',
        'timeZone: America/Chicago',
        'dateFormats: [iso]',
        'columns: { ticketId: id, openedAt: opened, requestType: type, description: desc }',
        'defaults: { channel: PHONE, department: DOT }',
      ].join('\n'),
    );
    const printed: string[] = [];
    const rejects = path.join(dir, 'rejects.tsv');
    const code = await runImport(
      { file, mapping: mappingFile, dryRun: true, rejects },
      { policy: {} } as CloseloopConfig,
      createLogger({ level: 'silent' }),
      (l) => printed.push(l),
      () => undefined,
    );
    expect(code).toBe(1);
    expect(printed).toContain('rejected rows (row, column, reason), the first 100 of 150:');
    expect(printed.filter((l) => /^ {2}\d+\topened\t"not a date"/.test(l))).toHaveLength(100);
    expect(printed).toContain('all rejected rows by reason (count, column, reason, first row):');
    expect(printed).toContainEqual(
      expect.stringMatching(/^ {2}150\topened\t"…" matches none of the date formats .*\t2$/),
    );
    expect(printed.at(-1)).toBe(`every rejected row is in ${rejects}`);
    const written = (await readFile(rejects, 'utf8')).trimEnd().split('\n');
    expect(written[0]).toBe('row\tcolumn\treason');
    expect(written.slice(1).map((l) => Number(l.split('\t')[0]))).toEqual(Array.from({ length: 150 }, (_, i) => i + 2));
  });
});

describe('an import that fails part way', () => {
  it('publishes the rows read before the failure and says how many', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-part-'));
    const file = path.join(dir, 'export.csv');
    await writeFile(file, [HEADER, ok(1), ok(2), ok(3), ok(4), ''].join('\n'));
    const sent: string[] = [];
    const failure = importFile({
      file,
      mapping,
      batchSize: 10,
      sink: {
        prepare: (e) => {
          if (e.ticketId === '3') throw new Error('registry unavailable');
          return e;
        },
        send: async (events) => void sent.push(...events.map((e) => e.ticketId)),
      },
    });
    await expect(failure).rejects.toMatchObject({
      message: expect.stringContaining('registry unavailable; the 2 row(s) imported before it are published'),
      details: { imported: 2 },
    });
    expect(sent).toEqual(['1', '2']);
  });
});

describe('--show-rejections', () => {
  it('takes a whole number of rows', async () => {
    const errors: string[] = [];
    const code = await runImport(
      { file: 'unused.csv', mapping: 'config/import/baltimore.yaml', showRejections: 'all' },
      { policy: {} } as CloseloopConfig,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
    );
    expect([code, errors]).toEqual([
      2,
      [expect.stringMatching(/^closeloop: CL_ARGUMENT_INVALID: --show-rejections takes a whole number/)],
    ]);
  });
});

describe('the import command', () => {
  const run = async (args: Partial<Parameters<typeof runImport>[0]>, config = { policy: {} } as CloseloopConfig) => {
    const errors: string[] = [];
    const code = await runImport(
      { file: 'unused.csv', mapping: 'config/import/baltimore.yaml', ...args },
      config,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
      {},
    );
    return { code, errors };
  };

  // As every command prints its errors (`closeloop: <code>: <message>`), with the README's exit
  // codes: 2 for a bad argument, 1 for a config problem.
  it('prints a bad argument with its code, and exits 2', async () => {
    expect(await run({ since: 'yesterday' })).toEqual({
      code: 2,
      errors: [expect.stringMatching(/^closeloop: CL_ARGUMENT_INVALID: --since and --until take ISO 8601 instants/)],
    });
  });

  it('prints a mapping it cannot use as a config problem, and exits 1', async () => {
    expect(await run({ mapping: 'no/such/mapping.yaml' })).toEqual({
      code: 1,
      errors: [expect.stringMatching(/^closeloop: CL_CONFIG_INVALID: /)],
    });
  });

  it("refuses another city's mapping before reading a row, as a config problem", async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(await run({ mapping: 'config/import/sf.yaml', dryRun: true }, config)).toEqual({
      code: 1,
      errors: [
        expect.stringMatching(
          /^closeloop: CL_CONFIG_INVALID: config\/import\/sf\.yaml: jurisdiction san-francisco is not the config's \(baltimore\)/,
        ),
      ],
    });
  });

  it('prints a connector to adopt from without its token as a config problem, and exits 1, as `run` does', async () => {
    const config = await loadConfig('config/closeloop.yaml');
    expect(await run({ adopt: 'posse', dryRun: true }, config)).toEqual({
      code: 1,
      errors: [expect.stringMatching(/^closeloop: CL_CONFIG_INVALID: .*POSSE_API_TOKEN/)],
    });
  });
});
