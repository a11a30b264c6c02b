import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DateTime, Settings } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatParser } from '../../../src/import/date-formats.ts';
import { ZoneClock } from '../../../src/import/zone-time.ts';

const NY = 'America/New_York';
const FORMAT = 'MM/dd/yyyy hh:mm:ss a';

describe('ZoneClock', () => {
  it('places every Baltimore timestamp where luxon does, offset by offset', () => {
    const rows: Record<string, string>[] = parse(readFileSync('data/baltimore_311_sample_10k.csv'), { columns: true });
    const clock = new ZoneClock(NY);
    const parsers = [formatParser(FORMAT)];
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

  // luxon reads "13:30 PM" as 13:30 and "00:30 PM" as 12:30: a time the export's own format cannot
  // write, imported as a guess without a word.
  it('reads no hour a 12-hour clock does not show', () => {
    const clock = new ZoneClock(NY);
    const parsers = [formatParser(FORMAT)];
    const local = (text: string) => {
      const at = clock.parse(text, parsers);
      return at === null ? null : DateTime.fromMillis(at, { zone: NY }).toFormat('HH:mm');
    };
    expect(local('10/28/2026 12:30:00 AM')).toBe('00:30');
    expect(local('10/28/2026 12:30:00 PM')).toBe('12:30');
    expect(local('10/28/2026 01:30:00 PM')).toBe('13:30');
    for (const text of ['10/28/2026 00:30:00 AM', '10/28/2026 00:30:00 PM', '10/28/2026 13:30:00 PM'])
      expect(local(text)).toBeNull();
    // One digit or two under h, a 12-hour clock's hour after a literal with a group of its own.
    const h = [formatParser("MMM d yyyy 'at' h:mm a")];
    expect(clock.parse('Oct 28 2026 at 9:05 PM', h)).toBe(Date.parse('2026-10-29T01:05:00Z'));
    expect(clock.parse('Oct 28 2026 at 09:05 PM', h)).toBe(Date.parse('2026-10-29T01:05:00Z'));
    expect(clock.parse('Oct 28 2026 at 0:05 PM', h)).toBeNull();
    // A 12-hour hour a luxon macro brings (t is h:mm a, in en-US), which the format's letters do
    // not show. Macros expand in the default locale, so it is set for these two.
    const locale = Settings.defaultLocale;
    Settings.defaultLocale = 'en-US';
    try {
      const t = [formatParser('MM/dd/yyyy t')];
      expect(clock.parse('10/28/2026 1:30 PM', t)).toBe(Date.parse('2026-10-28T17:30:00Z'));
      for (const text of ['10/28/2026 13:30 PM', '10/28/2026 00:30 PM']) expect(clock.parse(text, t)).toBeNull();
      const f = [formatParser('f')];
      expect(clock.parse('10/28/2026, 1:30 PM', f)).toBe(Date.parse('2026-10-28T17:30:00Z'));
      expect(clock.parse('10/28/2026, 13:30 PM', f)).toBeNull();
    } finally {
      Settings.defaultLocale = locale;
    }
    // A 24-hour clock reads 00 and 13 as they are.
    expect(clock.parse('10/28/2026 00:30', [formatParser('MM/dd/yyyy HH:mm')])).toBe(
      Date.parse('2026-10-28T04:30:00Z'),
    );
  });

  it('places the hours around daylight-saving changes, says which are skipped or shown twice, and keeps an offset the text has', () => {
    const clock = new ZoneClock(NY);
    const parsers = [DateTime.buildFormatParser(FORMAT), 'iso' as const];
    for (const text of [
      '03/11/2018 01:59:59 AM',
      '03/11/2018 03:00:00 AM',
      '11/04/2018 12:59:59 AM',
      '11/04/2018 02:00:00 AM',
    ]) {
      expect(clock.read(text, parsers)).toEqual({
        at: DateTime.fromFormat(text, FORMAT, { zone: NY }).toMillis(),
        second: null,
        skipped: false,
      });
    }
    // Skipped: read at the offset before the change (02:30 EST), where luxon moves it, and said.
    expect(clock.read('03/11/2018 02:30:00 AM', parsers)).toEqual({
      at: Date.parse('2018-03-11T07:30:00Z'),
      second: null,
      skipped: true,
    });
    // Shown twice: the first showing (EDT), and the second (EST) beside it.
    expect(clock.read('11/04/2018 01:30:00 AM', parsers)).toEqual({
      at: Date.parse('2018-11-04T05:30:00Z'),
      second: Date.parse('2018-11-04T06:30:00Z'),
      skipped: false,
    });
    expect(clock.parse('11/04/2018 01:30:00 AM', parsers)).toBe(Date.parse('2018-11-04T05:30:00Z'));
    expect(clock.read('2018-03-11T02:30:00-05:00', parsers)).toEqual({
      at: Date.parse('2018-03-11T07:30:00Z'),
      second: null,
      skipped: false,
    });
    expect(clock.parse('2016-07-13T15:11:07+00:00', parsers)).toBe(Date.parse('2016-07-13T15:11:07Z'));
    expect(clock.parse('2016-07-13T15:11:07', parsers)).toBe(Date.parse('2016-07-13T19:11:07Z'));
    expect(clock.parse('not a time', parsers)).toBeNull();
  });

  it('starts a day whose midnight the clocks skip at its first real instant, and still says a skipped time of day', () => {
    // Chile moved its clocks from 00:00 to 01:00 on 8 September 2024: that day began at 01:00 -03.
    const clock = new ZoneClock('America/Santiago');
    const parsers = [formatParser('yyyy-MM-dd HH:mm'), formatParser('yyyy-MM-dd'), 'iso' as const];
    const first = { at: Date.parse('2024-09-08T04:00:00Z'), second: null, skipped: false };
    expect(clock.read('2024-09-08', parsers)).toEqual(first);
    expect(clock.read('2024-09-08', parsers, 'end')).toEqual({ ...first, at: Date.parse('2024-09-09T03:00:00Z') });
    // The day before ends where the 8th begins.
    expect(clock.read('2024-09-07', parsers, 'end')).toEqual(first);
    expect(clock.read('2024-09-07', parsers)).toEqual({ ...first, at: Date.parse('2024-09-07T04:00:00Z') });
    // A time of day in the gap names no instant, midnight included.
    expect(clock.read('2024-09-08 00:00', parsers)?.skipped).toBe(true);
    expect(clock.read('2024-09-08 00:30', parsers)?.skipped).toBe(true);
    expect(clock.read('2024-09-08T00:30:00', parsers)?.skipped).toBe(true);
  });

  it.each(['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago', 'UTC'])(
    'in %s, reads the wall times of a year, and each minute around its changes, as the instants that show them',
    (zone) => {
      const clock = new ZoneClock(zone);
      const parsers = ['iso' as const];
      const wallOf = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
      const DAY = 86_400_000;
      const start = Date.UTC(2024, 0, 1);
      const offset = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
      // The year every 6 h 7 min, for the days and hours read from the cache; around each
      // change, every 7 minutes from a day before it to a day after.
      const walls: number[] = [];
      for (let wall = start; wall < start + 366 * DAY; wall += 367 * 60_000) walls.push(wall);
      for (let day = start; day < start + 366 * DAY; day += DAY) {
        if (offset(day) === offset(day + DAY)) continue;
        for (let wall = day - DAY; wall < day + 2 * DAY; wall += 7 * 60_000) walls.push(wall);
      }
      let skipped = 0;
      let twice = 0;
      for (const wall of walls) {
        const text = new Date(wall).toISOString().slice(0, 16);
        const t = clock.read(text, parsers);
        if (!t) throw new Error(`${text} not read`);
        if (t.skipped) {
          skipped += 1;
          // No instant shows it; the one taken is luxon's, an offset's change later.
          expect(wallOf(t.at)).not.toBe(text);
          expect(t.at).toBe(DateTime.fromISO(text, { zone }).toMillis());
          continue;
        }
        expect(wallOf(t.at)).toBe(text);
        // Nothing earlier shows it: the first showing.
        expect(wallOf(t.at - 3_600_000)).not.toBe(text);
        expect(wallOf(t.at - 1_800_000)).not.toBe(text);
        if (t.second !== null) {
          twice += 1;
          expect(t.second).toBeGreaterThan(t.at);
          expect(wallOf(t.second)).toBe(text);
        } else {
          expect(wallOf(t.at + 3_600_000)).not.toBe(text);
          expect(wallOf(t.at + 1_800_000)).not.toBe(text);
        }
      }
      // Twice a year an hour (Lord Howe: half an hour) is skipped and one is shown twice.
      expect(skipped > 0).toBe(zone !== 'UTC');
      expect(twice > 0).toBe(zone !== 'UTC');
    },
  );
});
