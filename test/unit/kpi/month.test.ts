import { describe, expect, it } from 'vitest';
import {
  computeKpis,
  isProvisional,
  monthOfInstant,
  monthOpenIn,
  monthRange,
  parseMonth,
  type KpiTicket,
} from '../../../src/domain/kpi/index.ts';

/*
 * A month runs from the first instant whose local date is its 1st to the first instant of the next
 * 1st. Where a clock change falls at midnight, "local midnight on the 1st" either does not exist or
 * happens twice, and bounds taken from a midnight reading left instants in no month (Havana) or in
 * two (Asuncion, Amman).
 */

const iso = (ms: number) => new Date(ms).toISOString();
const key = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;

describe('month bounds where a clock change falls at midnight', () => {
  it.each([
    // Clocks go back 01:00 -> 00:00 on 1 Nov: the first 00:00 (UTC-4) begins November.
    ['America/Havana', '2026-11', '2026-11-01T04:00:00.000Z'],
    // Clocks went forward 00:00 -> 01:00 on 1 Oct; October's start must not carry its 01:00 into November.
    ['America/Asuncion', '2023-11', '2023-11-01T03:00:00.000Z'],
    ['Asia/Amman', '2016-05', '2016-04-30T21:00:00.000Z'],
    ['America/New_York', '2026-11', '2026-11-01T04:00:00.000Z'],
  ])('%s: %s starts at %s, where the month before ends', (zone, month, start) => {
    const [y, m] = month.split('-').map(Number) as [number, number];
    const before = m === 1 ? key(y - 1, 12) : key(y, m - 1);
    expect(iso(monthRange(parseMonth(month), zone)[0])).toBe(start);
    expect(iso(monthRange(parseMonth(before), zone)[1])).toBe(start);
  });

  it('counts an instant of that first hour once, in the month of its local date', () => {
    const ticket = (zone: string, due: number): KpiTicket => ({
      ticketId: 'T1',
      department: 'transportation',
      serviceCode: 'POTHOLE',
      lifecycleState: 'ROUTED',
      closureReason: null,
      duplicateOf: null,
      followUpOf: null,
      requestedAt: due - 5 * 86_400_000,
      responseDueAt: due,
      completionDueAt: null,
      respondedAt: due - 60_000,
      resolvedAt: null,
      businessDaysToResolve: null,
      calendarDaysToResolve: null,
      pausedAt: null,
      timeZone: zone,
    });
    const responses = (t: KpiTicket, months: string[]) =>
      months.map((m) => computeKpis([t], [], m, Date.UTC(2027, 0, 1), t.timeZone)[0]?.responseDue ?? 0);
    // 00:30 UTC-4 on 1 Nov in Havana: in no month before.
    expect(responses(ticket('America/Havana', Date.UTC(2026, 10, 1, 4, 30)), ['2026-10', '2026-11'])).toEqual([0, 1]);
    // 00:30 UTC-3 on 1 Nov in Asuncion: in both months before.
    expect(responses(ticket('America/Asuncion', Date.UTC(2023, 10, 1, 3, 30)), ['2023-10', '2023-11'])).toEqual([0, 1]);
  });
});

describe('month bounds in every zone the runtime knows, 2015–2035', () => {
  it('leave no instant in no month or in two, start at the first instant of the 1st, and agree with monthOfInstant', () => {
    const problems: string[] = [];
    const zones = Intl.supportedValuesOf('timeZone');
    for (const zone of zones) {
      const monthOf = monthOfInstant();
      const dateOf = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
      let previous = { key: '2014-12', end: Number.NaN };
      for (let y = 2015; y <= 2035; y++) {
        for (let m = 1; m <= 12; m++) {
          const month = key(y, m);
          const [start, end] = monthRange(parseMonth(month), zone);
          if (y > 2015 || m > 1) {
            if (previous.end !== start)
              problems.push(`${zone} ${previous.key} ends ${iso(previous.end)}, ${month} starts ${iso(start)}`);
          }
          if (dateOf.format(start) !== `${month}-01` || dateOf.format(start - 1) >= `${month}-01`)
            problems.push(`${zone} ${month} starts at ${iso(start)}, not the first instant of the 1st`);
          for (const [ms, want] of [
            [start - 1, previous.key],
            [start, month],
            [start + 1, month],
          ] as const) {
            if (monthOf(ms, zone) !== want)
              problems.push(`${zone} ${iso(ms)}: monthOfInstant ${monthOf(ms, zone)}, range ${want}`);
          }
          previous = { key: month, end };
        }
      }
    }
    expect(zones.length).toBeGreaterThan(300);
    expect(problems).toEqual([]);
    // About a second of CPU for some 100,000 months; the limit leaves room for a busy machine.
  }, 30_000);
});

describe('isProvisional', () => {
  // A target due at local midnight on the 1st is the month before's (R1), decided only after it.
  it('holds a month provisional through its end itself, and not an instant after', () => {
    const november = parseMonth('2026-11');
    const end = monthRange(november, 'America/New_York')[1];
    expect([end - 1, end, end + 1].map((now) => isProvisional(november, 'America/New_York', now))).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('monthOpenIn', () => {
  // Each ticket's month is judged in its own zone (R1): October is not over while it runs in one.
  it('names the zone a month is still running in, the last to end, until it has ended in all', () => {
    const october = parseMonth('2026-10');
    const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/Berlin'];
    const endIn = (zone: string) => monthRange(october, zone)[1];
    expect(monthOpenIn(october, zones, endIn('Europe/Berlin') - 1)).toBe('America/Los_Angeles');
    expect(monthOpenIn(october, zones, endIn('America/New_York') + 1)).toBe('America/Los_Angeles');
    expect(monthOpenIn(october, zones, endIn('America/Los_Angeles'))).toBe('America/Los_Angeles');
    expect(monthOpenIn(october, zones, endIn('America/Los_Angeles') + 1)).toBeNull();
    expect(monthOpenIn(october, ['America/New_York'], endIn('America/New_York') + 1)).toBeNull();
  });
});
