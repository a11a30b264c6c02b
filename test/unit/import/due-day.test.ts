import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { loadImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow } from '../../../src/import/rows.ts';

// An export that writes due dates as days ("01/25/2024") means the whole of that day: a ticket
// closed that afternoon is on time, and one requested and due the same day has a target.
const NOW = Date.parse('2024-06-01T12:00:00Z');
const NY = 'America/New_York';

const row = {
  ServiceRequestNum: '24-00000001',
  SRType: 'TRT-Pothole',
  MethodReceived: 'Phone',
  CreatedDate: '01/25/2024 10:00:00 AM',
  SRStatus: 'Open',
  DueDate: '01/25/2024',
  CloseDate: '',
  Agency: 'Transportation',
};

async function compiled(dateFormats: string[], timeZone = NY) {
  const m = await loadImportMapping('config/import/baltimore.yaml');
  return compileMapping({ ...m, dateFormats, timeZone }, { now: NOW });
}

function dueOf(c: ReturnType<typeof compileMapping>, values: Partial<typeof row>): string | null {
  const result = mapRow(c, { ...row, ...values }, 2);
  if (!result.ok) throw new Error(result.rejection.reason);
  const opened = result.row.events[0];
  const due = opened?.kind === 'OPENED' ? opened.crmDueAt : undefined;
  if (due === undefined) throw new Error('no OPENED event');
  return due === null ? null : DateTime.fromMillis(due, { zone: c.m.timeZone }).toISO();
}

describe('an export due date without a time of day', () => {
  it('ends at the end of that day, under a day format or ISO 8601', async () => {
    const c = await compiled(['MM/dd/yyyy hh:mm:ss a', 'MM/dd/yyyy', 'iso']);
    expect(dueOf(c, { DueDate: '01/25/2024' })).toBe('2024-01-26T00:00:00.000-05:00');
    expect(dueOf(c, { DueDate: '2024-01-25' })).toBe('2024-01-26T00:00:00.000-05:00');
    // At or after the request time: a same-day target, not a due date before the request.
    expect(Date.parse(dueOf(c, {}) ?? '')).toBeGreaterThan(Date.parse('2024-01-25T10:00:00-05:00'));
  });

  it('keeps a time of day the export gives, midnight included', async () => {
    const c = await compiled(['MM/dd/yyyy hh:mm:ss a', 'MM/dd/yyyy', 'iso']);
    expect(dueOf(c, { DueDate: '01/25/2024 12:00:00 AM' })).toBe('2024-01-25T00:00:00.000-05:00');
    expect(dueOf(c, { DueDate: '01/25/2024 03:00:00 PM' })).toBe('2024-01-25T15:00:00.000-05:00');
    expect(dueOf(c, { DueDate: '2024-01-25T15:00:00' })).toBe('2024-01-25T15:00:00.000-05:00');
  });

  it('reads open and close days at their start', async () => {
    const c = await compiled(['MM/dd/yyyy']);
    const result = mapRow(c, { ...row, CreatedDate: '01/25/2024', SRStatus: 'Closed', CloseDate: '01/26/2024' }, 2);
    expect(result.ok && result.row.openedAt).toBe(Date.parse('2024-01-25T00:00:00-05:00'));
  });

  it('ends at the first instant of the next day where the clocks skip its midnight', async () => {
    // Cuba moved its clocks from 00:00 to 01:00 on 10 March 2024: the 9th ends at 01:00 CDT.
    const c = await compiled(['MM/dd/yyyy'], 'America/Havana');
    expect(dueOf(c, { CreatedDate: '03/08/2024', DueDate: '03/09/2024' })).toBe('2024-03-10T01:00:00.000-04:00');
  });

  it('opens and closes on a day whose midnight the clocks skip, at its first real instant', async () => {
    // Chile moved its clocks from 00:00 to 01:00 on 3 September 2023: the 3rd began at 01:00 -03.
    const c = await compiled(['yyyy-MM-dd'], 'America/Santiago');
    const start = Date.parse('2023-09-03T01:00:00-03:00');
    const opened = mapRow(c, { ...row, CreatedDate: '2023-09-03', DueDate: '2023-09-03' }, 2);
    expect(opened.ok && opened.row.openedAt).toBe(start);
    expect(dueOf(c, { CreatedDate: '2023-09-03', DueDate: '2023-09-03' })).toBe('2023-09-04T00:00:00.000-03:00');
    const closed = mapRow(
      c,
      { ...row, CreatedDate: '2023-09-02', SRStatus: 'Closed', CloseDate: '2023-09-03', DueDate: '' },
      2,
    );
    expect(closed.ok && closed.row.events[1]?.envelope.occurredAt).toBe(start);
  });

  it('still rejects an open time of day the clocks skipped', async () => {
    const c = await compiled(['yyyy-MM-dd HH:mm'], 'America/Santiago');
    const result = mapRow(c, { ...row, CreatedDate: '2023-09-03 00:30', DueDate: '' }, 2);
    expect(!result.ok && result.rejection.reason).toMatch(/is a time the clocks skipped in America\/Santiago/);
  });
});
