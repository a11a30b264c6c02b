import { describe, expect, it } from 'vitest';
import { timeZoneProblem } from '../../../src/sdk/index.ts';

const EST =
  '"EST" is a legacy name for a fixed offset, UTC-05:00 all year with no daylight saving (the clock of ' +
  'America/Panama): write the Area/Location zone of the place meant (e.g. America/New_York), or Etc/GMT+5 ' +
  'for a fixed offset';

describe('a configured time zone', () => {
  it('is a canonical Area/Location zone, or UTC, Etc/UTC or Etc/GMT±N for a fixed offset on purpose', () => {
    for (const zone of [
      'America/New_York',
      'America/Argentina/Buenos_Aires',
      'America/Indiana/Indianapolis',
      'Asia/Kolkata',
      'Europe/Kyiv',
      'UTC',
      'Etc/UTC',
      'Etc/GMT+5',
      'Etc/GMT-14',
    ]) {
      expect(timeZoneProblem(zone), zone).toBeNull();
    }
  });

  it('is refused as a fixed legacy zone, saying it has no daylight saving and what to write', () => {
    expect(timeZoneProblem('EST')).toBe(EST);
    expect(timeZoneProblem('MST')).toContain('UTC-07:00 all year with no daylight saving');
    expect(timeZoneProblem('MST')).toContain('(e.g. America/Denver), or Etc/GMT+7 for a fixed offset');
    expect(timeZoneProblem('HST')).toContain('(e.g. Pacific/Honolulu), or Etc/GMT+10 for a fixed offset');
    expect(timeZoneProblem('GMT')).toContain('UTC+00:00 all year with no daylight saving');
    expect(timeZoneProblem('GMT')).toContain('or UTC for a fixed offset');
  });

  it('is refused as a POSIX-style or backward-link name, naming the zone to write', () => {
    for (const [zone, canonical] of [
      ['EST5EDT', 'America/New_York'],
      ['CST6CDT', 'America/Chicago'],
      ['MST7MDT', 'America/Denver'],
      ['PST8PDT', 'America/Los_Angeles'],
      ['US/Eastern', 'America/New_York'],
      ['US/Hawaii', 'Pacific/Honolulu'],
      ['Canada/Eastern', 'America/Toronto'],
      ['Etc/Greenwich', 'UTC'],
    ] as const) {
      expect(timeZoneProblem(zone)).toBe(
        `"${zone}" is a legacy name, not an IANA Area/Location zone: write ${canonical}, the zone it names`,
      );
    }
    expect(timeZoneProblem('America/new_york')).toBe('"America/new_york" is written "America/New_York"');
  });

  it('is refused when not a zone at all, GMT+5 told the Etc zone of its offset', () => {
    expect(timeZoneProblem('Mars/Olympus')).toBe('"Mars/Olympus" is not an IANA time zone (e.g. America/New_York)');
    expect(timeZoneProblem('GMT+5')).toBe(
      '"GMT+5" is not an IANA time zone (e.g. America/New_York); for a fixed offset write Etc/GMT-5 (its sign is reversed)',
    );
  });
});
