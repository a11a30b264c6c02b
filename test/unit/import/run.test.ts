import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../../src/cli/import-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { loadImportMapping, parseImportMapping } from '../../../src/import/mapping.ts';
import { dryRunMeasure } from '../../../src/import/publisher.ts';
import { importFile } from '../../../src/import/run.ts';

// Every column the Baltimore mapping names, the last six empty in every row.
const HEADER =
  'ServiceRequestNum,SRType,MethodReceived,CreatedDate,SRStatus,DueDate,CloseDate,Agency,' +
  'Outcome,LastActivity,Address,Latitude,Longitude,CouncilDistrict';
const rows = [
  'A-1,SW-Dirty Alley,Phone,01/05/2018 09:00:00 AM,Closed,01/10/2018 09:00:00 AM,01/06/2018 10:00:00 AM,Solid Waste',
  'A-2,SW-Dirty Alley,Carrier pigeon,01/05/2018 09:00:00 AM,Open,,,Solid Waste',
  '"A-3","TRT-Pothole",API,02/01/2018 08:00:00 AM,Open,,,Transportation',
  'A-1,SW-Dirty Alley,Phone,01/05/2018 09:00:00 AM,Closed,,01/06/2018 10:00:00 AM,Solid Waste',
  'A-4,TRT-Pothole,Phone,not a date,Open,,,Transportation',
  'A-5,TRT-Pothole,Phone,03/01/2019 08:00:00 AM,Closed (Duplicate),,03/02/2019 08:00:00 AM,Transportation',
].map((r) => `${r},,,,,,`);

async function exportFile(lines: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-import-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, [HEADER, ...lines].join('\n'));
  return file;
}

describe('importFile', () => {
  it('counts every row read as imported or rejected, and reports each rejection', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const published: CrmTicketEvent[] = [];
    const r = await importFile({
      file: await exportFile(rows),
      mapping,
      sink: { prepare: (e) => e, send: async (events) => void published.push(...events) },
      batchSize: 2,
    });
    expect(r).toMatchObject({ read: 6, imported: 3, rejected: 3, outside: 0, open: 1, events: 5 });
    expect(r.read).toBe(r.imported + r.rejected);
    expect(r.rejections).toEqual([
      { row: 3, column: 'MethodReceived', reason: 'channel "Carrier pigeon" is not in values.channel' },
      { row: 5, column: 'ServiceRequestNum', reason: 'ticket "A-1" is already on row 2' },
      { row: 6, column: 'CreatedDate', reason: expect.stringContaining('"not a date"') },
    ]);
    expect(published.map((e) => `${e.ticketId}:${e.kind}`)).toEqual([
      'A-1:OPENED',
      'A-1:RESOLVED',
      'A-3:OPENED',
      'A-5:OPENED',
      'A-5:RESOLVED',
    ]);
    expect(published.at(-1)?.closureReason).toBe('DUPLICATE');
  });

  it("shows no caller's e-mail or phone a mapping set wrong reads as a date, status, channel or coordinate", async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const at = '01/05/2018 09:00:00 AM';
    const mail = 'jane.doe@example.org';
    const phone = '410-555-0199';
    const r = await importFile({
      file: await exportFile([
        `B-1,SW-Dirty Alley,Phone,${mail},Open,,,Solid Waste,,,,,,`,
        `B-2,SW-Dirty Alley,Phone,${at},${phone},,,Solid Waste,,,,,,`,
        `B-3,SW-Dirty Alley,${mail},${at},Open,,,Solid Waste,,,,,,`,
        `B-4,SW-Dirty Alley,Phone,${at},Open,,,Solid Waste,,,,${phone},-76.5,`,
      ]),
      mapping,
      sink: null,
    });
    expect(r.rejections).toEqual([
      {
        row: 2,
        column: 'CreatedDate',
        reason: expect.stringMatching(/^"\[redacted\]" matches none of the date formats/),
      },
      { row: 3, column: 'SRStatus', reason: 'status "[redacted]" is not in values.status' },
      { row: 4, column: 'MethodReceived', reason: 'channel "[redacted]" is not in values.channel' },
      { row: 5, column: 'Latitude', reason: 'latitude "[redacted]" is not a decimal number of degrees' },
    ]);
  });

  it("shows no caller's e-mail or phone a mapping reads as the ticket id when the ticket is listed twice", async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const at = '01/05/2018 09:00:00 AM';
    const mail = 'jane.doe@example.org';
    const phone = '410-555-0199';
    const lines = [mail, mail, phone, phone].map((id) => `${id},SW-Dirty Alley,Phone,${at},Open,,,Solid Waste,,,,,,`);
    const seen: string[] = [];
    const r = await importFile({
      file: await exportFile(lines),
      mapping,
      sink: null,
      onRejection: (x) => seen.push(x.reason),
    });
    expect(r.rejections).toEqual([
      { row: 3, column: 'ServiceRequestNum', reason: 'ticket "[redacted]" is already on row 2' },
      { row: 5, column: 'ServiceRequestNum', reason: 'ticket "[redacted]" is already on row 4' },
    ]);
    expect(seen.join('\n')).not.toMatch(/example\.org|555-0199/);
  });

  // Found by the property tests: a value holding several of the export's fields (a quote gone
  // wrong ran them together) showed a phone number followed by ",2023-…", which the scrubber
  // takes for the digits of a decimal or date and leaves.
  it("shows no caller's phone a value run together from several fields holds before a date", async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const at = '01/05/2018 09:00:00 AM';
    const lat = '"41.5\n  Closed  ,North,410-555-0199,2023-10-22T03:07:01.987Z;410-555-0198|2024"';
    const r = await importFile({
      file: await exportFile([`B-6,SW-Dirty Alley,Phone,${at},Open,,,Solid Waste,,,,${lat},-76.5,`]),
      mapping,
      sink: null,
    });
    expect(r.rejections).toEqual([
      {
        row: 2,
        column: 'Latitude',
        reason: expect.stringMatching(
          /^latitude "41\.5\n {2}Closed {2},North,\[redacted\],2023-10-22T03:07:01\.987Z;\[redacted\]\|2024"/,
        ),
      },
    ]);
  });

  it('leaves rows opened outside --since/--until out of the count; a dry run publishes nothing', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const r = await importFile({
      file: await exportFile(rows),
      mapping,
      since: Date.parse('2018-01-01T05:00:00Z'),
      until: Date.parse('2019-01-01T05:00:00Z'),
      sink: null,
    });
    expect(r).toMatchObject({ read: 5, imported: 2, rejected: 3, outside: 1 });
  });

  it('fails with CL_IMPORT_UNREADABLE for a file that is not there', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    await expect(importFile({ file: 'no/such/export.csv', mapping, sink: null })).rejects.toMatchObject({
      code: 'CL_IMPORT_UNREADABLE',
    });
  });
});

describe('an export of a city nobody here has seen', () => {
  it('reads ";"-separated rows without a status column: a row with a close time is closed', async () => {
    const mapping = parseImportMapping(
      {
        jurisdiction: 'elsewhere',
        source: 'elsewhere-311',
        timeZone: 'Europe/Berlin',
        delimiter: ';',
        dateFormats: ['dd.MM.yyyy HH:mm'],
        columns: { ticketId: 'Nr', openedAt: 'Eingang', closedAt: 'Erledigt', requestType: 'Anliegen' },
        defaults: { department: 'Ordnungsamt', channel: 'WEB' },
      },
      'elsewhere.yaml',
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-import-'));
    const file = path.join(dir, 'export.csv');
    await writeFile(
      file,
      'Nr;Eingang;Erledigt;Anliegen\n1;02.01.2024 08:00;03.01.2024 09:30;Sperrmüll\n2;02.01.2024 10:00;;Laterne\n',
    );
    const published: CrmTicketEvent[] = [];
    const r = await importFile({
      file,
      mapping,
      sink: { prepare: (e) => e, send: async (events) => void published.push(...events) },
    });
    expect(r).toMatchObject({ read: 2, imported: 2, rejected: 0, open: 1 });
    expect(published.map((e) => [e.ticketId, e.kind, e.envelope.occurredAt, e.department, e.channel])).toEqual([
      ['1', 'OPENED', Date.parse('2024-01-02T07:00:00Z'), 'Ordnungsamt', 'WEB'],
      ['1', 'RESOLVED', Date.parse('2024-01-03T08:30:00Z'), undefined, undefined],
      ['2', 'OPENED', Date.parse('2024-01-02T09:00:00Z'), 'Ordnungsamt', 'WEB'],
    ]);
  });

  it('asks for the status words when a status column is named', () => {
    expect(() =>
      parseImportMapping(
        {
          jurisdiction: 'x',
          source: 'x',
          timeZone: 'UTC',
          dateFormats: ['iso'],
          columns: { ticketId: 'a', openedAt: 'b', requestType: 'c', status: 'd' },
        },
        'x.yaml',
      ),
    ).toThrow(/values\.status: columns\.status is given/);
  });
});

describe('an export path that is no file', () => {
  it('fails with CL_IMPORT_UNREADABLE for a directory, instead of crashing on an unhandled error', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-import-'));
    await expect(importFile({ file: dir, mapping, sink: null })).rejects.toMatchObject({
      code: 'CL_IMPORT_UNREADABLE',
      message: expect.stringContaining('EISDIR'),
    });
  });
});

describe('events too large for a Kafka message', () => {
  const big = (n: number) => `A-9,TRT-Pothole,Phone,03/01/2019 08:00:00 AM,Open,,,Transportation,,,${'x'.repeat(n)},,,`;

  it('are rejected, the row and its longest column named, before anything of the batch is sent', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const sent: string[][] = [];
    const r = await importFile({
      file: await exportFile([rows[0] as string, big(5_000), rows[2] as string]),
      mapping,
      sink: {
        prepare: (e) => e.ticketId,
        bytes: (id) => (id === 'A-9' ? 5_000 : 100),
        send: async (b) => void sent.push([...b]),
      },
      maxEventBytes: 4_000,
    });
    expect(r).toMatchObject({ read: 3, imported: 2, rejected: 1 });
    expect(r.rejections).toEqual([
      {
        row: 3,
        column: 'Address',
        reason: 'its OPENED event encodes to 5000 bytes, over the 4000 a Kafka message may take',
      },
    ]);
    expect(sent.flat()).toEqual(['A-1', 'A-1', 'A-3']);
  });

  it('are found by a dry run, which encodes each event as the publisher would', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const r = await importFile({
      file: await exportFile([rows[0] as string, big(1_100_000)]),
      mapping,
      sink: null,
      measure: await dryRunMeasure('schemas'),
    });
    expect(r).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(r.rejections[0]).toMatchObject({
      row: 3,
      reason: expect.stringMatching(/encodes to 11\d{5} bytes, over the 1000000/),
    });
  });
});

describe('--since/--until', () => {
  it('leaves a row opened outside the window out, not rejected, whatever else is wrong with it', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const r = await importFile({
      file: await exportFile([rows[0] as string, rows[1] as string, rows[4] as string]),
      mapping,
      since: Date.parse('2019-01-01T05:00:00Z'),
      sink: null,
    });
    // A-1 and A-2 (a channel not in the map) opened in 2018; A-4's open time cannot be read.
    expect(r).toMatchObject({ read: 1, imported: 0, rejected: 1, outside: 2 });
    expect(r.rejections.map((x) => x.column)).toEqual(['CreatedDate']);
  });

  it('refuses a window that holds no instant, as a usage error', async () => {
    const errors: string[] = [];
    const code = await runImport(
      { file: 'unused.csv', mapping: 'config/import/baltimore.yaml', since: '2019-01-01', until: '2018-01-01' },
      { policy: { jurisdiction: 'baltimore' } } as CloseloopConfig,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
    );
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('--since 2019-01-01 is not before --until 2018-01-01');
  });

  // As the README says: a mapping is configuration, a bad one exits 1 as a bad config does.
  it.each([
    ['missing', 'config/import/nowhere.yaml', 'baltimore', /nowhere\.yaml/],
    ['another city', 'config/import/baltimore.yaml', 'springfield', /jurisdiction baltimore is not the config's/],
  ])('refuses a %s mapping as a config problem, exit 1', async (_what, mapping, jurisdiction, said) => {
    const errors: string[] = [];
    const code = await runImport(
      { file: 'unused.csv', mapping },
      { policy: { jurisdiction } } as CloseloopConfig,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/CL_CONFIG_INVALID/);
    expect(errors.join('\n')).toMatch(said);
  });
});
