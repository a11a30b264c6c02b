import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ZoneClock } from '../../../src/import/zone-time.ts';

const NY = 'America/New_York';
const FORMAT = 'MM/dd/yyyy hh:mm:ss a';

describe('ZoneClock', () => {
  it('places every Baltimore timestamp where luxon does, offset by offset', () => {
    const rows: Record<string, string>[] = parse(readFileSync('data/baltimore_311_sample_10k.csv'), { columns: true });
    const clock = new ZoneClock(NY);
    const parsers = [DateTime.buildFormatParser(FORMAT)];
    const texts = rows.flatMap((r) => [r['CreatedDate'], r['DueDate'], r['CloseDate'], r['StatusDate']]);
    let compared = 0;
    for (const text of texts) {
      if (!text) continue;
      expect(clock.parse(text, parsers)).toBe(DateTime.fromFormat(text, FORMAT, { zone: NY }).toMillis());
      compared += 1;
    }
    expect(compared).toBeGreaterThan(35_000);
    // 35,000 luxon parses are CPU work that takes 2 s on an idle core and over 7 s on a loaded
    // 2-core machine; the test's worth is the comparison, not its speed (that lives in the bench).
  }, 60_000);

  it('places the hours around daylight-saving changes as luxon does, and keeps an offset the text has', () => {
    const clock = new ZoneClock(NY);
    const parsers = [DateTime.buildFormatParser(FORMAT), 'iso' as const];
    for (const text of [
      '03/11/2018 01:59:59 AM',
      '03/11/2018 02:30:00 AM',
      '03/11/2018 03:00:00 AM',
      '11/04/2018 12:59:59 AM',
      '11/04/2018 01:30:00 AM',
      '11/04/2018 02:00:00 AM',
    ]) {
      expect(clock.parse(text, parsers)).toBe(DateTime.fromFormat(text, FORMAT, { zone: NY }).toMillis());
    }
    expect(clock.parse('2016-07-13T15:11:07+00:00', parsers)).toBe(Date.parse('2016-07-13T15:11:07Z'));
    expect(clock.parse('2016-07-13T15:11:07', parsers)).toBe(Date.parse('2016-07-13T19:11:07Z'));
    expect(clock.parse('not a time', parsers)).toBeNull();
  });
});
