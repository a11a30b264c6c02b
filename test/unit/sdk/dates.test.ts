import { describe, expect, it } from 'vitest';
import { instantIn, instantOf, withOffsetIn } from '../../../src/sdk/index.ts';

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

describe('a date as systems write it', () => {
  const at = (iso: string) => Date.parse(iso);
  it.each<[unknown, number]>([
    ['2024-11-05', at('2024-11-05T05:00:00Z')],
    ['20241105', at('2024-11-05T05:00:00Z')],
    ['2024-11-05T09:00:00', at('2024-11-05T14:00:00Z')],
    ['2024-11-05 09:00:00', at('2024-11-05T14:00:00Z')],
    ['2024-11-05 09:00', at('2024-11-05T14:00:00Z')],
    ['2024-11-05 09:00:00.250', at('2024-11-05T14:00:00.250Z')],
    ['2024-11-05T09:00:00.000-0700', at('2024-11-05T16:00:00Z')],
    ['2024-11-05T09:00:00-07', at('2024-11-05T16:00:00Z')],
    ['2024-11-05T09:00:00+05:30', at('2024-11-05T03:30:00Z')],
    ['2024-11-05T09:00:00Z', at('2024-11-05T09:00:00Z')],
    [1_730_822_400, at('2024-11-05T16:00:00Z')],
    [1_730_822_400_000, at('2024-11-05T16:00:00Z')],
    // Whole milliseconds, as the Avro long that stores them holds.
    [1_730_822_400_123.7, at('2024-11-05T16:00:00.124Z')],
    [1_730_822_400.5, at('2024-11-05T16:00:00.500Z')],
    ['2024-11-05T09:00:00+14:00', at('2024-11-04T19:00:00Z')],
    // Epoch numbers written as their digits, as systems whose numbers are 64-bit write them.
    ['1730822400000', at('2024-11-05T16:00:00Z')],
    [' 1730822400 ', at('2024-11-05T16:00:00Z')],
    // Twelve digits that spell no date and time (month 84) are milliseconds: 2000-01-01.
    ['946684800000', at('2000-01-01T00:00:00Z')],
  ])('reads %j', (value, instant) => {
    expect(instantIn(value, 'America/New_York')).toBe(instant);
  });

  it.each<unknown>([
    '11/05/2024',
    'Nov 5, 2024',
    '2024-13-05',
    '2024-11-05T25:00:00',
    'tomorrow',
    0,
    86_400,
    {},
    true,
    // Past the last instant a Date holds, or no number at all.
    1e16,
    8.64e15 + 1,
    Number.POSITIVE_INFINITY,
    // An offset no zone has had, or minutes past 59.
    '2024-11-05T09:00:00+25:00',
    '2024-11-05T09:00:00-15:00',
    '2024-11-05T09:00:00+05:60',
    // The extended and basic forms mixed.
    '2024-1105',
    '202411-05',
    // Digits that are neither a basic date nor a plausible epoch number.
    '20241305',
    '123456789',
    '0',
    '99999999999999999',
    // A date and time with nothing between: as milliseconds 1976 and 2611, which nobody meant.
    '202411050900',
    '20241105090000',
    '1730822400000.5',
    '+1730822400000',
  ])('takes %j for no instant', (value) => {
    expect(instantIn(value, 'America/New_York')).toBeNull();
  });

  // No epoch number has eight digits (epoch seconds have ten from 2001), so eight are a date.
  it('reads eight digits as a basic date, never as epoch seconds', () => {
    expect(instantIn('20241105', 'Asia/Tokyo')).toBe(at('2024-11-04T15:00:00Z'));
    expect(instantIn('19991231', 'UTC')).toBe(at('1999-12-31T00:00:00Z'));
  });

  it('reads a local time the clocks repeat or skip as withOffsetIn does', () => {
    expect(instantIn('2026-11-01 01:30:00', 'America/New_York')).toBe(at('2026-11-01T06:30:00Z'));
    expect(instantIn('2026-03-08 02:30:00', 'America/New_York')).toBe(at('2026-03-08T07:30:00Z'));
  });
});
