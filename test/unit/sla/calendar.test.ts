import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { calendarDefinitionSchema, type CalendarDefinitionInput } from '../../../src/config/sla-schema.ts';
import { dueDayInstant, monthOfInstant, monthRange } from '../../../src/domain/kpi/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  addBusinessDays,
  addCalendarHours,
  businessDaysBetween,
  createCalendar,
  dueAt,
} from '../../../src/domain/sla/index.ts';

const EDM = 'America/Edmonton';
const NYC = 'America/New_York';
const HOUR = 3_600_000;

const calendar = (def: Partial<CalendarDefinitionInput> & { timeZone: string }) =>
  createCalendar(calendarDefinitionSchema.parse({ name: 'test', ...def }));
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string): string =>
  DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");

const plain = calendar({ timeZone: EDM });
const edmonton = calendar({ timeZone: EDM, holidays: { country: 'CA', state: 'AB' } });
const baltimore = calendar({ timeZone: NYC, holidays: { country: 'US', state: 'MD' } });

describe('a calendar without business days', () => {
  it('throws a typed error for a business-day target, not a plain one the dead letter cannot name', () => {
    const closed = calendar({ timeZone: 'UTC', holidays: { rules: [{ rule: '01-01 P366D', name: 'Closed' }] } });
    const thrown = (() => {
      try {
        return dueAt(closed, at('2026-06-01T00:00', 'UTC'), { amount: 5, unit: 'business_days' });
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toMatchObject({ code: 'CL_SLA_TARGET_UNREACHABLE', stage: 'decide', retriable: false });
    expect(thrown).toBeInstanceOf(CloseloopError);
  });
});

describe('where midnight happens twice', () => {
  // Havana's clocks go back from 01:00 to 00:00 as 1 November 2026 begins.
  const HAVANA = 'America/Havana';
  const havana = calendar({ timeZone: HAVANA, workingDays: [1, 2, 3, 4, 5, 6] });

  it('begins the day at the first midnight, where the KPI months begin it', () => {
    const november = monthRange({ year: 2026, month: 11 }, HAVANA)[0];
    expect(new Date(november).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    const saturday = havana.dayAt(at('2026-10-31T12:00', HAVANA));
    expect([saturday.end, havana.day(saturday.index + 1).start]).toEqual([november, november]);
    // Half past midnight, the first time round, is Sunday for both.
    const firstPass = Date.parse('2026-11-01T04:30:00Z');
    expect([havana.dayAt(firstPass).date, havana.isBusinessDay(firstPass)]).toEqual(['2026-11-01', false]);
    expect(monthOfInstant()(firstPass, HAVANA)).toBe('2026-11');
    // A business day from Saturday's start ends as Sunday begins: due on Saturday, in October.
    const due = addBusinessDays(havana, at('2026-10-31T00:00', HAVANA), 1);
    expect(due).toBe(november);
    expect(monthOfInstant()(dueDayInstant(due), HAVANA)).toBe('2026-10');
  });
});

describe('business days over weekends', () => {
  it('carries a Friday afternoon over the weekend', () => {
    expect(local(addBusinessDays(plain, at('2026-03-13T15:00', EDM), 1), EDM)).toBe('2026-03-16T15:00:00.000');
    expect(businessDaysBetween(plain, at('2026-03-13T12:00', EDM), at('2026-03-16T12:00', EDM))).toBeCloseTo(1, 12);
  });

  it('counts a whole week from Monday 10:00 to the next Monday 10:00', () => {
    expect(local(addBusinessDays(plain, at('2026-03-02T10:00', EDM), 5), EDM)).toBe('2026-03-09T10:00:00.000');
  });

  it('returns the end of Friday, not Monday, when the amount is reached at midnight', () => {
    // Opened on Saturday: accrual starts Monday 00:00 and five days end as Saturday begins.
    expect(local(addBusinessDays(plain, at('2026-03-07T11:00', EDM), 5), EDM)).toBe('2026-03-14T00:00:00.000');
    expect(local(addBusinessDays(plain, at('2026-03-13T00:00', EDM), 1), EDM)).toBe('2026-03-14T00:00:00.000');
    expect(local(addBusinessDays(plain, at('2026-03-12T18:00', EDM), 0.25), EDM)).toBe('2026-03-13T00:00:00.000');
  });

  it('accrues nothing over a weekend and never counts backwards', () => {
    expect(businessDaysBetween(plain, at('2026-03-14T00:00', EDM), at('2026-03-16T00:00', EDM))).toBe(0);
    expect(businessDaysBetween(plain, at('2026-03-16T12:00', EDM), at('2026-03-13T12:00', EDM))).toBe(0);
    expect(addBusinessDays(plain, 1_000, 0)).toBe(1_000);
  });

  it('inverts: the business days between from and from + n are n', () => {
    const from = at('2026-02-11T07:13', EDM);
    for (const n of [0.1, 1, 2.5, 7.75, 40]) {
      expect(businessDaysBetween(edmonton, from, addBusinessDays(edmonton, from, n))).toBeCloseTo(n, 9);
    }
  });
});

describe('holidays', () => {
  it('skips Family Day and Canada Day in Edmonton', () => {
    expect(local(addBusinessDays(edmonton, at('2026-02-13T15:00', EDM), 1), EDM)).toBe('2026-02-17T15:00:00.000');
    expect(local(addBusinessDays(edmonton, at('2026-06-30T10:00', EDM), 2), EDM)).toBe('2026-07-03T10:00:00.000');
    expect(businessDaysBetween(edmonton, at('2026-06-30T00:00', EDM), at('2026-07-02T00:00', EDM))).toBe(1);
  });

  it('skips Thanksgiving and the day after it in Baltimore', () => {
    expect(local(addBusinessDays(baltimore, at('2026-11-25T12:00', NYC), 1), NYC)).toBe('2026-11-30T12:00:00.000');
    expect(baltimore.isHoliday('2026-11-26')).toBe(true);
    expect(baltimore.isHoliday('2026-11-27')).toBe(true);
  });

  it('observes only the library types asked for', () => {
    // Heritage Day is "optional" in date-holidays' Alberta list.
    expect(edmonton.isHoliday('2026-08-03')).toBe(false);
    const withOptional = calendar({
      timeZone: EDM,
      holidays: { country: 'CA', state: 'AB', types: ['public', 'optional'] },
    });
    expect(withOptional.isHoliday('2026-08-03')).toBe(true);
  });

  it('adds extra dates and rules, and removes excluded dates', () => {
    const extra = calendar({
      timeZone: EDM,
      holidays: { extra: ['2026-03-16', { date: '2026-03-17', name: 'Storm' }] },
    });
    expect(local(addBusinessDays(extra, at('2026-03-13T15:00', EDM), 1), EDM)).toBe('2026-03-18T15:00:00.000');
    const excluded = calendar({ timeZone: EDM, holidays: { country: 'CA', state: 'AB', exclude: ['2026-02-16'] } });
    expect(local(addBusinessDays(excluded, at('2026-02-13T15:00', EDM), 1), EDM)).toBe('2026-02-16T15:00:00.000');
    const ruled = calendar({ timeZone: EDM, holidays: { rules: [{ rule: '09-30', name: 'NDTR' }] } });
    expect([ruled.isHoliday('2026-09-30'), ruled.isHoliday('2031-09-30'), ruled.isHoliday('2026-09-29')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('counts every day of a holiday of several days, also one that runs into the next year', () => {
    // Russia's New Year break is one library holiday from 2 to 6 January; Korea's Seollal three days.
    const moscow = calendar({ timeZone: 'Europe/Moscow', holidays: { country: 'RU' } });
    expect(['2026-01-02', '2026-01-05', '2026-01-06'].map((d) => moscow.isHoliday(d))).toEqual([true, true, true]);
    const seoul = calendar({ timeZone: 'Asia/Seoul', holidays: { country: 'KR' } });
    expect(seoul.holidaysIn(2026).filter((d) => d.startsWith('2026-02-1'))).toEqual([
      '2026-02-17',
      '2026-02-18',
      '2026-02-19',
    ]);
    // A rule of four days from 30 December: the last two are the next year's holidays.
    const ruled = calendar({ timeZone: EDM, holidays: { rules: [{ rule: '12-30 P4D', name: 'Winter break' }] } });
    expect(ruled.isHoliday('2027-01-02')).toBe(true);
    expect(ruled.holidaysIn(2027).slice(0, 2)).toEqual(['2027-01-01', '2027-01-02']);
    // From Tuesday 29 December 10:00, one business day ends on Monday 4 January 10:00 (14 h on
    // the 29th, the break to Saturday, then Sunday): not on Thursday, the break's second day.
    expect(local(addBusinessDays(ruled, at('2026-12-29T10:00', EDM), 1), EDM)).toBe('2027-01-04T10:00:00.000');
  });

  it("keeps the library's substitute days, also across a new year", () => {
    // 4 July 2026 is a Saturday; 1 January 2028 is a Saturday too, observed on the Friday before.
    expect(baltimore.isHoliday('2026-07-03')).toBe(true);
    expect(baltimore.isHoliday('2027-12-31')).toBe(true);
    expect(baltimore.holidaysIn(2027)).toContain('2027-12-31');
  });

  it('keeps a substitute the library types otherwise than the holiday it stands in for', () => {
    // date-holidays types the Veterans Day substitute "bank" (Veterans Day itself is "public"):
    // Saturday 11 November 2028 is observed on Friday 10, Sunday 11 November 2029 on Monday 12.
    expect(baltimore.isHoliday('2028-11-10')).toBe(true);
    expect(baltimore.isHoliday('2029-11-12')).toBe(true);
    expect(baltimore.holidaysIn(2023)).toContain('2023-11-10');
    // Two business days from Wednesday 8 November 2028 10:00 skip the observed Friday.
    expect(local(addBusinessDays(baltimore, at('2028-11-08T10:00', NYC), 2), NYC)).toBe('2028-11-13T10:00:00.000');
    // A substitute typed "observance" is no day off: Spain's list leaves moving Epiphany (Sunday
    // 6 January 2030) to each region, and Madrid's data does not move it.
    const madrid = calendar({ timeZone: 'Europe/Madrid', holidays: { country: 'ES', state: 'MD' } });
    expect(madrid.isHoliday('2030-01-06')).toBe(true);
    expect(madrid.isHoliday('2030-01-07')).toBe(false);
  });
});

describe('time zones', () => {
  it('uses the local day of the calendar zone', () => {
    const fridayNightInEdmonton = at('2026-03-13T23:30', EDM);
    expect(new Date(fridayNightInEdmonton).toISOString()).toBe('2026-03-14T05:30:00.000Z');
    expect(plain.isBusinessDay(fridayNightInEdmonton)).toBe(true);
    expect(calendar({ timeZone: 'UTC' }).isBusinessDay(fridayNightInEdmonton)).toBe(false);
    expect(businessDaysBetween(plain, fridayNightInEdmonton, fridayNightInEdmonton + 2 * HOUR)).toBeCloseTo(
      0.5 / 24,
      12,
    );
  });

  it('counts no business day for a date the zone skipped (Samoa, Friday 30 December 2011)', () => {
    const APIA = 'Pacific/Apia';
    const samoa = calendar({ timeZone: APIA });
    const thursday = at('2011-12-29T10:00', APIA);
    expect(local(addBusinessDays(samoa, thursday, 2), APIA)).toBe('2012-01-03T10:00:00.000');
    expect(businessDaysBetween(samoa, thursday, at('2012-01-02T10:00', APIA))).toBeCloseTo(1, 12);
    const friday = samoa.day(samoa.dayAt(thursday).index + 1);
    expect(friday).toMatchObject({ date: '2011-12-30', business: true });
    expect(friday.end - friday.start).toBe(0);
  });
});

describe('daylight saving time', () => {
  // Past transitions only: Node's tz data 2026c keeps Alberta on UTC-6 from March 2026 on, so
  // Edmonton's future transitions depend on the runtime's tz data version.
  const everyDay = calendar({ timeZone: EDM, workingDays: [1, 2, 3, 4, 5, 6, 7] });

  it('counts the 23-hour spring-forward day as one business day', () => {
    const start = at('2025-03-09T00:00', EDM);
    const end = at('2025-03-10T00:00', EDM);
    expect(end - start).toBe(23 * HOUR);
    expect(businessDaysBetween(everyDay, start, end)).toBe(1);
    expect(addBusinessDays(everyDay, start, 1)).toBe(end);
    // Half of a 23-hour day is 11.5 hours, which the clock shows as 12:30 after the jump.
    expect(local(addBusinessDays(everyDay, start, 0.5), EDM)).toBe('2025-03-09T12:30:00.000');
  });

  it('counts the 25-hour fall-back day as one business day', () => {
    const start = at('2025-11-02T00:00', EDM);
    const end = at('2025-11-03T00:00', EDM);
    expect(end - start).toBe(25 * HOUR);
    expect(businessDaysBetween(everyDay, start, end)).toBe(1);
    expect(addBusinessDays(everyDay, start, 1)).toBe(end);
    expect(local(addBusinessDays(everyDay, start, 0.5), EDM)).toBe('2025-11-02T11:30:00.000');
  });

  it('keeps the local time across a DST weekend of 71 or 73 hours', () => {
    const spring = at('2025-03-07T09:00', EDM);
    expect(local(addBusinessDays(plain, spring, 1), EDM)).toBe('2025-03-10T09:00:00.000');
    expect(addBusinessDays(plain, spring, 1) - spring).toBe(71 * HOUR);
    const fall = at('2025-10-31T09:00', EDM);
    expect(local(addBusinessDays(plain, fall, 1), EDM)).toBe('2025-11-03T09:00:00.000');
    expect(addBusinessDays(plain, fall, 1) - fall).toBe(73 * HOUR);
    expect(businessDaysBetween(plain, fall, fall + 73 * HOUR)).toBe(1);
  });

  it('adds calendar hours as absolute time', () => {
    const saturdayNoon = at('2025-03-08T12:00', EDM);
    expect(addCalendarHours(saturdayNoon, 24) - saturdayNoon).toBe(24 * HOUR);
    expect(local(dueAt(plain, saturdayNoon, { amount: 24, unit: 'calendar_hours' }), EDM)).toBe(
      '2025-03-09T13:00:00.000',
    );
    expect(local(dueAt(plain, saturdayNoon, { amount: 1, unit: 'business_days' }), EDM)).toBe(
      '2025-03-11T00:00:00.000',
    );
  });
});
