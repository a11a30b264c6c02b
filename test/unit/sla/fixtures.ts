import { DateTime } from 'luxon';
import { calendarDefinitionSchema } from '../../../src/config/sla-schema.ts';
import { createCalendar, pauseClock, startClock, type SlaPolicy } from '../../../src/domain/sla/index.ts';

/** Shared by the clock tests: a calendar without holidays, so the arithmetic is about clocks only. */
export const NYC = 'America/New_York';
export const HOUR = 3_600_000;
export const cal = createCalendar(calendarDefinitionSchema.parse({ name: 'plain', timeZone: NYC }));
export const at = (iso: string): number => DateTime.fromISO(iso, { zone: NYC }).toMillis();
/** An instant as local time in NYC; "none" for a target the clock does not run. */
export const local = (ms: number | null): string =>
  ms === null ? 'none' : DateTime.fromMillis(ms, { zone: NYC }).toFormat("yyyy-MM-dd'T'HH:mm");

export const pothole: SlaPolicy = {
  name: 'SR-POTHOLE',
  calendar: 'plain',
  response: { amount: 2, unit: 'business_days' },
  completion: { amount: 5, unit: 'business_days' },
  pauseReasons: ['WEATHER', 'PARTS'],
};
export const leak: SlaPolicy = {
  name: 'SR-WATER-LEAK',
  calendar: 'plain',
  response: { amount: 4, unit: 'calendar_hours' },
  completion: { amount: 48, unit: 'calendar_hours' },
  pauseReasons: ['AWAITING_REQUESTOR'],
};
/** Opened Monday 2 March 2026 10:00: response due Wednesday 10:00, completion Monday 9 March 10:00. */
export const monday = at('2026-03-02T10:00');
export const opened = () => startClock(pothole, cal, monday);
export const paused = (from: string, reason = 'WEATHER') => pauseClock(opened(), pothole, cal, at(from), reason).clock;
