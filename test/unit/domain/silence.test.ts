import { describe, expect, it } from 'vitest';
import { judgeSilence, silenceLimitMinutes, type SilenceSettings } from '../../../src/domain/index.ts';

const NY: SilenceSettings = {
  limitMinutes: 240,
  timeZone: 'America/New_York',
  hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '19:00', limitMinutes: 30 }],
};

describe('connector silence (a source’s expected cadence)', () => {
  it('takes the busy-hours limit inside the window, in the source’s time zone, and the default outside it', () => {
    // Monday 2026-11-30: 12:00 in New York is 17:00 UTC; 06:59 there is 11:59 UTC.
    expect(silenceLimitMinutes(NY, Date.parse('2026-11-30T17:00:00Z'))).toBe(30);
    expect(silenceLimitMinutes(NY, Date.parse('2026-11-30T11:59:00Z'))).toBe(240);
    expect(silenceLimitMinutes(NY, Date.parse('2026-11-30T12:00:00Z'))).toBe(30);
    // 19:00 is the end of the window, exclusive; Saturday noon is outside it.
    expect(silenceLimitMinutes(NY, Date.parse('2026-12-01T00:00:00Z'))).toBe(240);
    expect(silenceLimitMinutes(NY, Date.parse('2026-12-05T17:00:00Z'))).toBe(240);
  });

  it('is silent only past the limit that applies now', () => {
    const noon = Date.parse('2026-11-30T17:00:00Z');
    expect(judgeSilence(NY, noon - 30 * 60_000, noon)).toEqual({ silent: false, limitMinutes: 30, quietMinutes: 30 });
    expect(judgeSilence(NY, noon - 31 * 60_000, noon)).toMatchObject({ silent: true, limitMinutes: 30 });
    const night = Date.parse('2026-12-01T08:00:00Z');
    expect(judgeSilence(NY, night - 120 * 60_000, night)).toMatchObject({ silent: false, limitMinutes: 240 });
  });
});
