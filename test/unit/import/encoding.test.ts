import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { isCloseloopError } from '../../../src/errors/index.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { importFile } from '../../../src/import/run.ts';
import { bostonExport, bostonMapping, importExport } from '../../support/city-exports.ts';

const mapping = (encoding?: string) =>
  parseImportMapping(
    {
      jurisdiction: 'testcity',
      source: 'testcity-311',
      timeZone: 'America/Chicago',
      dateFormats: ['iso'],
      ...(encoding === undefined ? {} : { encoding }),
      columns: { ticketId: 'Ticket ID', openedAt: 'Opened', requestType: 'Type', description: 'Description' },
      defaults: { channel: 'PHONE', department: 'DOT' },
    },
    'test.yaml',
  );

const HEADER = 'Ticket ID,Opened,Type,Description\n';
const row = (id: number, description: string) => `${id},2024-01-02T10:00:00Z,Pothole,${description}\n`;
// "Café – Straße" in windows-1252: é E9, en dash 96, ß DF; none of them is UTF-8 on its own.
const CP1252 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x53, 0x74, 0x72, 0x61, 0xdf, 0x65]);

async function run(bytes: Buffer, encoding?: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-enc-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, bytes);
  const published: CrmTicketEvent[] = [];
  const result = await importFile({
    file,
    mapping: mapping(encoding),
    sink: { prepare: (e) => e, send: async (events) => void published.push(...events) },
  });
  return { result, descriptions: published.map((e) => e.description) };
}

describe('the export encoding', () => {
  it.each(['windows-1252', 'latin1'])('reads an export in %s as its characters', async (encoding) => {
    const bytes = Buffer.concat([Buffer.from(HEADER + '1,2024-01-02T10:00:00Z,Pothole,'), CP1252, Buffer.from('\n')]);
    const { result, descriptions } = await run(bytes, encoding);
    expect(result).toMatchObject({ read: 1, imported: 1, rejected: 0 });
    expect(descriptions).toEqual(['Café – Straße']);
  });

  // Every byte is a character in windows-1252: a UTF-8 file read in it was mojibake, without a word.
  it.each(['windows-1252', 'latin1'])(
    'refuses a UTF-8 export said to be %s at its first non-ASCII character, keeping the rows before it',
    async (encoding) => {
      const ascii = Array.from({ length: 3000 }, (_, i) => row(i + 1, 'Pothole on Main St')).join('');
      const text = HEADER + ascii + row(3001, 'Rue de l’Église 12') + row(3002, 'Calle Peña 3');
      const caught = await run(Buffer.from(text), encoding).then(
        () => null,
        (err: unknown) => err,
      );
      expect(isCloseloopError(caught, 'CL_IMPORT_UNREADABLE')).toBe(true);
      const at = Buffer.from(HEADER + ascii + '3001,2024-01-02T10:00:00Z,Pothole,Rue de l').length;
      expect((caught as Error).message).toContain(
        `the file is UTF-8 text: bytes E2 80 99 at byte ${at} are "’" in UTF-8 and would be read as "â€™" in ` +
          `${encoding}: set the mapping's encoding to utf-8 (it is ${encoding})`,
      );
      // Read in chunks: those of the chunks before the one that tells were read and published.
      expect((caught as Error).message).toMatch(/; the (\d{4}) row\(s\) imported before it are published$/);
      const { result, descriptions } = await run(Buffer.from(text), 'utf-8');
      expect(result).toMatchObject({ imported: 3002, rejected: 0 });
      expect(descriptions.slice(-2)).toEqual(['Rue de l’Église 12', 'Calle Peña 3']);
    },
  );

  // "É" and a non-breaking space are a UTF-8 sequence too; the next character says it is windows-1252.
  it('reads windows-1252 whose first characters would pass for UTF-8', async () => {
    const text = Buffer.concat([
      Buffer.from(HEADER + '1,2024-01-02T10:00:00Z,Pothole,CAF'),
      Buffer.from([0xc9, 0xa0]),
      CP1252,
      Buffer.from('\n'),
    ]);
    const { result, descriptions } = await run(text, 'windows-1252');
    expect(result).toMatchObject({ imported: 1, rejected: 0 });
    expect(descriptions).toEqual(['CAFÉ\u00a0Café – Straße']);
  });

  it('reads UTF-16LE with its byte order mark', async () => {
    const text = HEADER + row(1, 'Café – Straße 😀');
    const { result, descriptions } = await run(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      'utf-16le',
    );
    expect(result).toMatchObject({ imported: 1, rejected: 0 });
    expect(descriptions).toEqual(['Café – Straße 😀']);
  });

  it('in UTF-8, rejects a row that holds other bytes, pointing to encoding, and keeps a U+FFFD the file holds', async () => {
    const bytes = Buffer.concat([
      Buffer.from(HEADER + row(1, 'Café') + '2,2024-01-02T10:00:00Z,Pothole,'),
      CP1252,
      Buffer.from('\n' + row(3, 'scar \uFFFD of an older conversion')),
    ]);
    const { result, descriptions } = await run(bytes);
    expect(result).toMatchObject({ read: 3, imported: 2, rejected: 1 });
    expect(result.rejections).toEqual([
      {
        row: 3,
        column: 'Description',
        // The value is not shown: bytes in another encoding may be a caller's name.
        reason: expect.stringMatching(
          /^holds bytes that are not UTF-8 \(the first at byte \d+ of the file\).*encoding/,
        ),
      },
    ]);
    expect(descriptions).toEqual(['Café', 'scar \uFFFD of an older conversion']);
  });

  it('tells the two apart across the chunks the file is read in, and splits no character', async () => {
    // Rows of two- and three-byte characters and literal U+FFFD, well past one 64 KiB read, so
    // that characters and records straddle chunk boundaries; then one row of windows-1252.
    const rows = Array.from({ length: 3000 }, (_, i) => row(i + 1, `é€\uFFFD ${'ß'.repeat(i % 7)}`)).join('');
    const bad = Buffer.concat([Buffer.from('3001,2024-01-02T10:00:00Z,Pothole,'), CP1252, Buffer.from('\n')]);
    const { result, descriptions } = await run(Buffer.concat([Buffer.from(HEADER + rows), bad]));
    expect(result).toMatchObject({ read: 3001, imported: 3000, rejected: 1 });
    expect(result.rejections[0]?.row).toBe(3002);
    expect(descriptions[2999]).toBe(`é€\uFFFD ${'ß'.repeat(2999 % 7)}`);
  });

  it('refuses an encoding it does not read', () => {
    let caught: unknown;
    try {
      mapping('ebcdic');
    } catch (err) {
      caught = err;
    }
    expect(isCloseloopError(caught, 'CL_CONFIG_INVALID')).toBe(true);
    expect(String(caught)).toContain('encoding');
  });
});

describe('an export whose first bytes contradict the encoding', () => {
  // Excel's "Unicode Text" save: UTF-16LE with its byte order mark, tab-separated, CRLF.
  const unicodeText = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bostonExport('\t'), 'utf16le')]);

  /** The error the import fails with: its code, and its message without the file's path. */
  async function refusal(bytes: Buffer, encoding?: string) {
    const err = (await importExport(bytes, bostonMapping('\t', encoding)).then(
      () => new Error('the import did not fail'),
      (e: unknown) => e,
    )) as Error & { code?: string };
    return { code: err.code, message: err.message.slice(err.message.indexOf(': ') + 2) };
  }

  it('is refused before any row, pointing to encoding: utf-16le for Excel\'s "Unicode Text" read as UTF-8', async () => {
    const { code, message } = await refusal(unicodeText);
    expect(code).toBe('CL_IMPORT_UNREADABLE');
    expect(message).toBe(
      'the file starts with the byte order mark of UTF-16LE (as Excel\'s "Unicode Text" writes): ' +
        "set the mapping's encoding to utf-16le (it is utf-8); no row was read",
    );
  });

  it('is read once the mapping says utf-16le', async () => {
    const { result, published } = await importExport(unicodeText, bostonMapping('\t', 'utf-16le'));
    expect(result).toMatchObject({ read: 2, imported: 2, rejected: 0 });
    expect(published.map((e) => `${e.ticketId}:${e.kind}`)).toEqual([
      '101005123456:OPENED',
      '101005123456:RESOLVED',
      '101005123457:OPENED',
    ]);
  });

  it.each([
    [
      'UTF-16LE with no byte order mark, read as UTF-8',
      Buffer.from(bostonExport('\t'), 'utf16le'),
      undefined,
      'utf-16le',
    ],
    ['UTF-16LE, read as windows-1252', unicodeText, 'windows-1252', 'utf-16le'],
    [
      'UTF-8 with its byte order mark, read as windows-1252',
      Buffer.from(`\uFEFF${bostonExport('\t')}`),
      'windows-1252',
      'utf-8',
    ],
    [
      'UTF-8 with its byte order mark, read as UTF-16LE',
      Buffer.from(`\uFEFF${bostonExport('\t')}`),
      'utf-16le',
      'utf-8',
    ],
  ])('is refused naming the encoding to set: %s', async (_name, bytes, encoding, to) => {
    const { code, message } = await refusal(bytes, encoding);
    expect(code).toBe('CL_IMPORT_UNREADABLE');
    expect(message).toContain(`set the mapping's encoding to ${to}`);
    expect(message).not.toContain('\0');
  });

  it.each([
    ['with', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(bostonExport('\t'), 'utf16le').swap16()])],
    ['without', Buffer.from(bostonExport('\t'), 'utf16le').swap16()],
  ])('is refused as UTF-16BE, which is not read, %s its byte order mark', async (_name, bytes) => {
    for (const encoding of [undefined, 'utf-16le']) {
      const { code, message } = await refusal(bytes, encoding);
      expect(code).toBe('CL_IMPORT_UNREADABLE');
      expect(message).toContain('UTF-16BE, which the import does not read: save the export as UTF-8 or UTF-16LE');
    }
  });
});
