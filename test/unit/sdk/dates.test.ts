import { describe, expect, it } from 'vitest';
import { instantOf, withOffsetIn } from '../../../src/sdk/index.ts';

describe('local dates read in a time zone', () => {
  it('gives a local time its offset there', () => {
    expect(withOffsetIn('2024-03-01T10:00:02', 'America/New_York')).toBe('2024-03-01T10:00:02-05:00');
    expect(withOffsetIn('2024-07-01T10:00:02', 'America/New_York')).toBe('2024-07-01T10:00:02-04:00');
    expect(withOffsetIn('2024-07-01T10:00:02Z', 'America/New_York')).toBe('2024-07-01T10:00:02Z');
  });

  // As java.util's Calendar reads it, and so a Maximo answers it: the Maximo feed tells the first
  // occurrence by the later lying ahead of the clock (clocks-back.ts).
  it('reads a local time the clocks repeat at its later offset, standard time', () => {
    expect(withOffsetIn('2026-11-01T01:30:00', 'America/New_York')).toBe('2026-11-01T01:30:00-05:00');
    expect(withOffsetIn('2026-10-25T02:15:00', 'Europe/Berlin')).toBe('2026-10-25T02:15:00+01:00');
    // Lord Howe Island sets its clocks back by half an hour.
    expect(withOffsetIn('2026-04-05T01:45:00', 'Australia/Lord_Howe')).toBe('2026-04-05T01:45:00+10:30');
    expect(instantOf('2026-11-01T01:30:00', 'America/New_York')).toBe(Date.parse('2026-11-01T06:30:00Z'));
    // Either side of the repeated hour has one reading.
    expect(withOffsetIn('2026-11-01T00:59:59', 'America/New_York')).toBe('2026-11-01T00:59:59-04:00');
    expect(withOffsetIn('2026-11-01T02:00:00', 'America/New_York')).toBe('2026-11-01T02:00:00-05:00');
  });

  it('moves a local time the clocks skip forward', () => {
    expect(withOffsetIn('2026-03-08T02:30:00', 'America/New_York')).toBe('2026-03-08T03:30:00-04:00');
  });
});
