import { describe, expect, it } from 'vitest';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow, parseTime } from '../../../src/import/rows.ts';

const mapping = (dateFormats: string[]) =>
  compileMapping(
    parseImportMapping(
      {
        jurisdiction: 'testcity',
        source: 'testcity-311',
        timeZone: 'America/Chicago',
        dateFormats,
        columns: { ticketId: 'id', openedAt: 'opened', requestType: 'type' },
        defaults: { department: 'D', channel: 'OTHER' },
      },
      'city.yaml',
    ),
  );

const JAN_2 = Date.parse('2024-01-02T16:00:00Z');

describe('epoch timestamps', () => {
  it('reads epoch-seconds as an instant, whatever the zone, with fractions to the millisecond', () => {
    const c = mapping(['epoch-seconds']);
    expect(parseTime('1704211200', c)).toBe(JAN_2);
    expect(parseTime('1704211200.5', c)).toBe(JAN_2 + 500);
    expect(parseTime('1704211200.123', c)).toBe(JAN_2 + 123);
    // Finer than a millisecond is dropped, not rounded through a float.
    expect(parseTime('1704211200.123999', c)).toBe(JAN_2 + 123);
    // The night Chicago springs forward: an instant, not a wall time to be moved.
    expect(parseTime('1710059400', c)).toBe(Date.parse('2024-03-10T08:30:00Z'));
    expect(parseTime('0', c)).toBe(0);
    expect(parseTime('-1', c)).toBe(-1000);
  });

  it('reads epoch-millis, fractions of a millisecond dropped', () => {
    const c = mapping(['epoch-millis']);
    expect(parseTime('1704211200000', c)).toBe(JAN_2);
    expect(parseTime('1704211200123.9', c)).toBe(JAN_2 + 123);
  });

  it('reads neither anything but a plain decimal number nor an instant out of range', () => {
    const seconds = mapping(['epoch-seconds']);
    const millis = mapping(['epoch-millis']);
    for (const text of ['', '1e9', '0x10', '1,5', '1704211200.', '.5', ' 1', 'NaN', 'Infinity', '17042 11200']) {
      expect(parseTime(text, seconds)).toBeNull();
      expect(parseTime(text, millis)).toBeNull();
    }
    // Milliseconds read as seconds: year 55,970.
    expect(parseTime('1704211200000', seconds)).toBeNull();
    expect(parseTime('-2208988800001', millis)).toBeNull(); // 1899
    expect(parseTime('253402300800000', millis)).toBeNull(); // 10000-01-01
    expect(parseTime('99999999999999999999999', seconds)).toBeNull();
  });

  it('rejects a row whose epoch time is out of range, naming its column; tries the next format', () => {
    const c = mapping(['epoch-seconds', 'iso']);
    expect(mapRow(c, { id: '1', opened: '1704211200000', type: 'P' }, 2)).toMatchObject({
      ok: false,
      rejection: { row: 2, column: 'opened', reason: expect.stringContaining('epoch-seconds') },
    });
    expect(mapRow(c, { id: '1', opened: '2024-01-02T10:00:00-06:00', type: 'P' }, 2)).toMatchObject({
      ok: true,
      row: { openedAt: JAN_2 },
    });
  });

  it("refuses luxon's X and x, pointing to the keywords", () => {
    expect(() => mapping(['X'])).toThrow(/"X".*epoch-seconds or epoch-millis/);
    expect(() => mapping(['x'])).toThrow(/"x".*epoch-seconds or epoch-millis/);
  });
});
