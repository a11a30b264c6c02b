import { describe, expect, it } from 'vitest';
import { volumeByMonth, type KpiTicket } from '../../../src/domain/kpi/index.ts';

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
