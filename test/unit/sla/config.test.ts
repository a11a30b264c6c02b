import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  MAX_BUSINESS_DAYS,
  MAX_CALENDAR_HOURS,
  buildSlaTables,
  calendarDefinitionSchema,
  slaPoliciesSchema,
  slaSectionSchema,
  slaTargetSchema,
} from '../../../src/config/sla-schema.ts';
import { createCalendar } from '../../../src/domain/sla/index.ts';

const readYaml = async (file: string): Promise<unknown> => parse(await readFile(file, 'utf8'));
const problems = (schema: z.ZodType, input: unknown): string => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be rejected');
  return z.prettifyError(result.error);
};

const calendar = { name: 'city', timeZone: 'America/New_York' };
const policy = { calendar: 'city', response: '2 business_days', completion: '5 business_days' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('calendar definitions', () => {
  it('fills in defaults', () => {
    expect(calendarDefinitionSchema.parse(calendar)).toEqual({
      ...calendar,
      workingDays: [1, 2, 3, 4, 5],
      holidays: { types: ['public'], rules: [], extra: [], exclude: [] },
    });
  });

  it('rejects an unknown time zone', () => {
    const msg = problems(calendarDefinitionSchema, { ...calendar, timeZone: 'America/Gotham' });
    expect(msg).toContain('"America/Gotham" is not an IANA time zone');
    expect(msg).toContain('at timeZone');
  });

  it('rejects a country, state or region date-holidays does not know', () => {
    expect(problems(calendarDefinitionSchema, { ...calendar, holidays: { country: 'XX' } })).toContain(
      'date-holidays does not know country "XX"',
    );
    const state = problems(calendarDefinitionSchema, { ...calendar, holidays: { country: 'CA', state: 'ZZ' } });
    expect(state).toContain('does not know state "ZZ" of CA (known: AB, BC');
    expect(state).toContain('at holidays.state');
    expect(problems(calendarDefinitionSchema, { ...calendar, holidays: { state: 'MD' } })).toContain(
      'holidays.state needs holidays.country',
    );
  });

  it('rejects holiday types that observe nothing there', () => {
    expect(problems(calendarDefinitionSchema, { ...calendar, holidays: { country: 'US', types: [] } })).toContain(
      'at least one holiday type',
    );
    const none = problems(calendarDefinitionSchema, { ...calendar, holidays: { country: 'CA', types: ['bank'] } });
    expect(none).toContain('date-holidays has no holidays of type bank for CA');
    expect(none).toContain('at holidays.types');
  });

  it('rejects bad dates, weekdays and rules', () => {
    expect(problems(calendarDefinitionSchema, { ...calendar, holidays: { extra: ['2026-02-30'] } })).toContain(
      'a real date as YYYY-MM-DD',
    );
    expect(problems(calendarDefinitionSchema, { ...calendar, workingDays: [1, 1, 8] })).toMatch(
      /a weekday is listed twice[\s\S]*ISO weekday 1 \(Monday\) to 7 \(Sunday\)/,
    );
    const parserNoise = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const rules = [
      { rule: 'whenever it snows', name: 'Snow day' },
      { rule: '13-45', name: 'No such day' },
    ];
    const msg = problems(calendarDefinitionSchema, { ...calendar, holidays: { rules } });
    expect(parserNoise).toHaveBeenCalled();
    expect(msg).toContain('holiday rule "whenever it snows" cannot be parsed');
    expect(msg).toContain('holiday rule "13-45" yields no date');
  });

  it('refuses a holiday rule with a time of day, which would close the whole date', () => {
    const rules = [
      { rule: '12-24 12:00', name: 'Christmas Eve afternoon' },
      { rule: '12-31 PT4H', name: "New Year's Eve morning" },
      { rule: '12-24 P2D', name: 'Christmas' },
    ];
    const msg = problems(calendarDefinitionSchema, { ...calendar, holidays: { rules } });
    expect(msg).toContain('holiday rule "12-24 12:00" closes part of a day');
    expect(msg).toContain('holiday rule "12-31 PT4H" closes part of a day');
    expect(msg).not.toContain('12-24 P2D');
  });

  it('accepts an Islamic or Hebrew date rule, which begins at the sunset before, and closes its own dates', () => {
    // date-holidays writes these "2026-03-20 00:00:00 -0600", from 18:00 the evening before.
    const rules = [
      { rule: '1 Shawwal', name: 'Eid al-Fitr' },
      { rule: '10 Dhu al-Hijjah', name: 'Eid al-Adha' },
      { rule: '10 Tishrei', name: 'Yom Kippur' },
      { rule: '15 Nisan P8D', name: 'Passover' },
    ];
    const parsed = calendarDefinitionSchema.safeParse({ ...calendar, holidays: { country: 'US', rules } });
    expect(parsed.error).toBeUndefined();
    if (!parsed.success) return;
    const cal = createCalendar(parsed.data);
    // 2026: Eid al-Fitr Fri 20 Mar, Eid al-Adha Wed 27 May, Yom Kippur Mon 21 Sep, Passover 2-9 Apr.
    const closed = ['2026-03-20', '2026-05-27', '2026-09-21', '2026-04-02', '2026-04-09'];
    expect(closed.filter((d) => !cal.isHoliday(d))).toEqual([]);
    const evenings = ['2026-03-19', '2026-03-21', '2026-05-26', '2026-09-20', '2026-09-22', '2026-04-01', '2026-04-10'];
    expect(evenings.filter((d) => cal.isHoliday(d))).toEqual([]);
  });
});

describe('SLA targets and policies', () => {
  it('accepts the object and the compact form', () => {
    expect(slaTargetSchema.parse('5 business_days')).toEqual({ amount: 5, unit: 'business_days' });
    expect(slaTargetSchema.parse('0.5 calendar_hours')).toEqual({ amount: 0.5, unit: 'calendar_hours' });
    expect(slaTargetSchema.parse({ amount: 48, unit: 'calendar_hours' })).toEqual({
      amount: 48,
      unit: 'calendar_hours',
    });
  });

  it('rejects a malformed or non-positive target', () => {
    expect(problems(slaTargetSchema, '5 days')).toContain('write { amount, unit } or "<amount> business_days');
    expect(problems(slaTargetSchema, { amount: 0, unit: 'business_days' })).toContain('amount must be more than 0');
  });

  it('accepts targets up to a year, fractions included', () => {
    expect(MAX_BUSINESS_DAYS).toBe(365);
    expect(MAX_CALENDAR_HOURS).toBe(366 * 24);
    expect(slaTargetSchema.parse(`${MAX_BUSINESS_DAYS} business_days`)).toEqual({ amount: 365, unit: 'business_days' });
    expect(slaTargetSchema.parse('2.5 business_days')).toEqual({ amount: 2.5, unit: 'business_days' });
    expect(slaTargetSchema.parse({ amount: MAX_CALENDAR_HOURS, unit: 'calendar_hours' })).toEqual({
      amount: 8784,
      unit: 'calendar_hours',
    });
  });

  it.each([
    ['1000000 business_days', '1000000 business_days is too long: at most 365 business_days'],
    ['365.5 business_days', '365.5 business_days is too long: at most 365 business_days'],
    [{ amount: 1e9, unit: 'calendar_hours' }, '1000000000 calendar_hours is too long: at most 8784 calendar_hours'],
    ['8785 calendar_hours', '8785 calendar_hours is too long: at most 8784 calendar_hours'],
  ])('rejects the absurdly long target %j', (target, message) => {
    const msg = problems(slaTargetSchema, target);
    expect(msg).toContain(message);
    expect(msg).toContain('at amount');
  });

  it('bounds each unit by its own maximum', () => {
    // 400 is a fine number of hours but not of business days.
    expect(slaTargetSchema.safeParse('400 calendar_hours').success).toBe(true);
    expect(problems(slaTargetSchema, '400 business_days')).toContain('at most 365 business_days');
  });

  it.each([Infinity, -Infinity, NaN])('rejects the non-finite amount %s', (amount) => {
    expect(problems(slaTargetSchema, { amount, unit: 'calendar_hours' })).toContain('amount must be a finite number');
  });

  it('rejects an infinite amount written in YAML', () => {
    const target = parse('{ amount: .inf, unit: business_days }') as unknown;
    expect(problems(slaTargetSchema, target)).toContain('amount must be a finite number');
  });

  it('names the policy field of a target that is too long', () => {
    const msg = problems(slaPoliciesSchema, { 'SR-X': { ...policy, completion: '1000 business_days' } });
    expect(msg).toContain('1000 business_days is too long: at most 365 business_days');
    expect(msg).toContain('at ["SR-X"].completion.amount');
  });

  it('rejects a policy whose calendar is not defined', () => {
    const msg = problems(slaSectionSchema, {
      calendars: [calendar],
      policies: { 'SR-X': { ...policy, calendar: 'gotham' } },
    });
    expect(msg).toContain('policy SR-X uses calendar "gotham", which is not defined (defined: city)');
    expect(msg).toContain('at policies["SR-X"].calendar');
  });

  it('rejects a completion target shorter than the response target in the same unit', () => {
    const short = { ...policy, response: '48 calendar_hours', completion: '24 calendar_hours' };
    expect(problems(slaPoliciesSchema, { 'SR-X': short })).toContain(
      'completion target (24 calendar_hours) is shorter than the response target (48 calendar_hours)',
    );
    // Different units are not compared.
    expect(slaPoliciesSchema.safeParse({ 'SR-X': { ...short, response: '2 business_days' } }).success).toBe(true);
  });

  it('rejects hold reasons that are not upper-snake', () => {
    expect(problems(slaPoliciesSchema, { 'SR-X': { ...policy, pauseReasons: ['weather'] } })).toContain(
      'an upper-snake hold reason',
    );
  });
});

describe('SLA tables', () => {
  const section = (policies: Record<string, unknown>) => slaSectionSchema.parse({ calendars: [calendar], policies });

  it('falls back to the default policy, and to null without one', () => {
    const tables = buildSlaTables(section({ 'SR-X': policy, default: { ...policy, completion: '9 business_days' } }));
    expect(tables.policyFor('SR-X')?.name).toBe('SR-X');
    expect(tables.policyFor('SR-Y')?.name).toBe('default');
    expect(tables.policyFor(null)?.name).toBe('default');
    expect(tables.policyFor('constructor')?.name).toBe('default');
    const x = tables.policyFor('SR-X');
    expect(x && tables.calendarFor(x).timeZone).toBe('America/New_York');
    expect(buildSlaTables(section({ 'SR-X': policy })).policyFor('SR-Y')).toBeNull();
  });
});

describe('shipped SLA configuration', () => {
  const shipped = async () => {
    const calendars = await Promise.all(
      ['edmonton', 'calgary', 'baltimore'].map((n) => readYaml(`config/calendars/${n}.yaml`)),
    );
    return slaSectionSchema.parse({ calendars, policies: await readYaml('config/sla/policies.yaml') });
  };

  it('parses, and has a policy for every routed service code', async () => {
    const tables = buildSlaTables(await shipped());
    const config = (await readYaml('config/closeloop.yaml')) as { routing: { services: Record<string, unknown> } };
    const codes = Object.keys(config.routing.services);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(tables.policyFor(code)?.name, code).toBe(code);
    expect(tables.policyFor('SR-UNKNOWN')?.name).toBe('default');
    expect(new Set(codes.map((c) => tables.policyFor(c)?.calendar))).toEqual(new Set(['baltimore']));
  });

  it('lists the city holidays the calendars are meant to observe', async () => {
    const tables = buildSlaTables(await shipped());
    const holidays = (name: string) => tables.calendars.get(name)?.holidaysIn(2026) ?? [];
    // Easter Monday, Heritage Day, Truth and Reconciliation, Boxing Day (Saturday, so Monday 28).
    expect(holidays('edmonton')).toEqual(
      expect.arrayContaining(['2026-04-06', '2026-08-03', '2026-09-30', '2026-12-28']),
    );
    expect(holidays('calgary')).toEqual(holidays('edmonton'));
    // Declared in 2021: history from before it is not held to it.
    expect(tables.calendars.get('edmonton')?.holidaysIn(2020)).not.toContain('2020-09-30');
    // Juneteenth, 4 July observed on Friday 3, election day, day after Thanksgiving; not Christmas Eve.
    const baltimore = holidays('baltimore');
    expect(baltimore).toEqual(expect.arrayContaining(['2026-06-19', '2026-07-03', '2026-11-03', '2026-11-27']));
    expect(baltimore).not.toContain('2026-12-24');
  });
});
