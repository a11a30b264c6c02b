import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { monthOfInstant, volumeByMonth, type KpiTicket } from '../../../src/domain/kpi/index.ts';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);

function ticket(id: string, o: Partial<KpiTicket>): KpiTicket {
  return {
    ticketId: id,
    department: 'housing',
    serviceCode: 'GRASS',
    channel: 'PHONE',
    lifecycleState: 'RESOLVED',
    closureReason: 'WORK_COMPLETED',
    duplicateOf: null,
    followUpOf: null,
    requestedAt: at('2018-03-10T15:00:00Z'),
    responseDueAt: null,
    completionDueAt: null,
    respondedAt: null,
    resolvedAt: null,
    businessDaysToResolve: null,
    calendarDaysToResolve: null,
    pausedAt: null,
    timeZone: NY,
    ...o,
  };
}

describe('volume by month', () => {
  it('counts by local month, department, channel and type, and a resolution without target as no target', () => {
    const figures = volumeByMonth([
      ticket('a', { completionDueAt: 10, resolvedAt: 10 }),
      ticket('b', { completionDueAt: 10, resolvedAt: 11, channel: 'WEB' }),
      ticket('c', { department: null, channel: null, serviceCode: 'POTHOLE' }),
      ticket('d', { lifecycleState: 'IN_PROGRESS', completionDueAt: 10 }),
      // 03:00 UTC on April 1st is still March 31st in Baltimore.
      ticket('e', { requestedAt: at('2018-04-01T03:00:00Z') }),
      ticket('f', { requestedAt: at('2018-04-01T05:00:00Z') }),
    ]);
    expect(figures).toEqual([
      {
        month: '2018-03',
        tickets: 5,
        byDepartment: { housing: 4, unrouted: 1 },
        byChannel: { PHONE: 3, WEB: 1, unknown: 1 },
        topRequestTypes: [
          ['GRASS', 4],
          ['POTHOLE', 1],
        ],
        resolvedOnTime: 1,
        resolvedLate: 1,
        resolvedNoTarget: 2,
      },
      expect.objectContaining({ month: '2018-04', tickets: 1, resolvedNoTarget: 1 }),
    ]);
  });
});

describe('the month of an instant', () => {
  it('is the one luxon gives, in zones east and west, half-hour ones, across month turns and DST', () => {
    const monthOf = monthOfInstant();
    const zones = [NY, 'UTC', 'Asia/Kolkata', 'Australia/Adelaide', 'Pacific/Chatham', 'America/St_Johns'];
    const instants: number[] = [];
    // Either side of each local month's turn, to the millisecond, and a spread of times in between.
    for (const zone of zones) {
      for (let m = DateTime.fromISO('2020-01-01', { zone }); m.year < 2022; m = m.plus({ months: 1 })) {
        const turn = m.toMillis();
        instants.push(turn - 60_000, turn - 1, turn, turn + 1, turn + 60_000);
      }
    }
    for (let ms = at('2019-12-25T00:00:00Z'); ms < at('2022-01-05T00:00:00Z'); ms += 187 * 60_000) instants.push(ms);
    let checked = 0;
    for (const ms of instants) {
      for (const zone of zones) {
        const want = DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM');
        if (monthOf(ms, zone) !== want)
          expect({ ms, zone, month: monthOf(ms, zone) }).toEqual({ ms, zone, month: want });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30_000);
  });
});
