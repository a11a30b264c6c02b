import { describe, expect, it } from 'vitest';
import { CHICAGO_HEADER, chicagoMapping, chicagoRow as row, importExport } from '../../support/city-exports.ts';

async function run(lines: readonly string[]) {
  const { result, published } = await importExport([CHICAGO_HEADER, ...lines, ''].join('\n'), chicagoMapping);
  const opened = published.filter((e) => e.kind === 'OPENED');
  return {
    result,
    rows: result.rejections.map((r) => [r.row, r.column]),
    ids: opened.map((e) => e.ticketId),
    addresses: opened.map((e) => e.location?.address ?? ''),
  };
}

// Row 3 (SR24-00000102) opens a quote in its address it never closes.
const STRAY = { STREET_ADDRESS: '"BIG LEAK AT 1300 W MADISON ST', STATUS: 'Open', CLOSED_DATE: '' };

describe('a stray quote that an inch mark in the next row closes', () => {
  it('in the same column: the next row is its own rejection, not part of the row above', async () => {
    const lines = [row(1), row(2, STRAY), row(3, { STREET_ADDRESS: '1400 W MADISON ST HOLE 12"' }), row(4)];
    const { result, rows, ids, addresses } = await run(lines);
    // Four rows in the file, four counted; each named by its own line.
    expect(result).toMatchObject({ read: 4, imported: 2, rejected: 2 });
    expect(rows).toEqual([
      [3, 'STREET_ADDRESS'],
      [4, 'STREET_ADDRESS'],
    ]);
    expect(result.rejections[0]?.reason).toContain('a quote opens this field on line 3');
    expect(result.rejections[1]?.reason).toContain('a quote in the middle of a field');
    expect(ids).toEqual(['SR24-00000101', 'SR24-00000104']);
    expect(addresses.join('\n')).not.toContain('SR24-00000103');
  });

  it('in a later column: the next row is named, not counted nowhere', async () => {
    const lines = [row(1), row(2, STRAY), row(3, { CONTACT_NAME: 'MANHOLE 24"' }), row(4)];
    const { result, rows, ids } = await run(lines);
    expect(result).toMatchObject({ read: 4, imported: 2, rejected: 2 });
    expect(rows).toEqual([
      [3, 'STREET_ADDRESS'],
      [4, 'CONTACT_NAME'],
    ]);
    expect(ids).toEqual(['SR24-00000101', 'SR24-00000104']);
  });

  it('before the open-time column: told by the ticket id the line starts with', async () => {
    const stray = { SR_TYPE: '"Sign Repair Request - Stop Sign' };
    const lines = [row(1), row(2, stray), row(3, { SR_TYPE: 'Sign Repair Request - Stop Sign 24"' }), row(4)];
    const { result, rows, ids } = await run(lines);
    expect(result).toMatchObject({ read: 4, imported: 2, rejected: 2 });
    expect(rows).toEqual([
      [3, 'SR_TYPE'],
      [4, 'SR_TYPE'],
    ]);
    expect(ids).toEqual(['SR24-00000101', 'SR24-00000104']);
  });

  it('rows later on: every row above and below it is read', async () => {
    const lines = [row(1, STRAY), row(2), row(3), row(4, { STREET_ADDRESS: '1400 W MADISON ST 6" DEEP' }), row(5)];
    const { result, rows, ids } = await run(lines);
    expect(result).toMatchObject({ read: 5, imported: 3, rejected: 2 });
    expect(rows).toEqual([
      [2, 'STREET_ADDRESS'],
      [5, 'STREET_ADDRESS'],
    ]);
    expect(ids).toEqual(['SR24-00000102', 'SR24-00000103', 'SR24-00000105']);
  });
});

describe('a quoted field with line breaks', () => {
  it('is imported when its lines start like no row, numbers, ids and commas in them or not', async () => {
    const lines = [
      '"1300 W MADISON ST',
      'REAR: 12, 14, 16 W MADISON, ALLEY, GATE 3',
      'SR24-00000101',
      'same leak as SR24-00000101, 01/01/2024 07:15:00 AM, GATE 3',
      '01/02/2024 07:15:00 AM caller back"',
    ];
    const address = lines.join('\n');
    const { result, ids, addresses } = await run([row(1), row(2, { STREET_ADDRESS: address }), row(3)]);
    expect(result).toMatchObject({ read: 3, imported: 3, rejected: 0 });
    expect(ids).toEqual(['SR24-00000101', 'SR24-00000102', 'SR24-00000103']);
    expect(addresses[1]).toBe(address.slice(1, -1));
  });

  // SF's status_notes: "Duplicate. See also\n6078600, same corner". A line that starts with a
  // ticket id and a comma was taken for a row a stray quote swallowed, and the row rejected.
  it('is imported when a line starts with an id shaped like the row’s own and a comma', async () => {
    for (const note of ['"Duplicate. See also\nSR24-00000099, same corner"', '"Done.\nSR24-00000099, dup\nsee"']) {
      const { result, ids, addresses } = await run([row(1), row(2, { STREET_ADDRESS: note }), row(3)]);
      expect(result).toMatchObject({ read: 3, imported: 3, rejected: 0 });
      expect(ids).toEqual(['SR24-00000101', 'SR24-00000102', 'SR24-00000103']);
      expect(addresses[1]).toBe(note.slice(1, -1));
    }
  });

  it('in a row with a field too many names every line the row runs over', async () => {
    const address = '"1300 W MADISON ST\nREAR"';
    const { result } = await run([row(1, { STREET_ADDRESS: address, CITY: 'Chicago,IL' }), row(2)]);
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(result.rejections).toEqual([
      {
        row: 2,
        column: '(row)',
        reason: 'row 2 has 25 fields, the header has 24; a quoted field runs it over lines 2-3, all rejected',
      },
    ]);
  });
});
