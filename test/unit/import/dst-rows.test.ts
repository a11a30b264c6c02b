import { describe, expect, it } from 'vitest';
import { loadImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow } from '../../../src/import/rows.ts';

// Baltimore's mapping reads wall times in America/New_York: clocks went forward at 02:00 on
// 10 March 2024 (02:00-02:59 never shown) and back at 02:00 on 3 November (01:00-01:59 twice).
const row = {
  ServiceRequestNum: '24-00000011',
  SRType: 'TRT-Pothole',
  MethodReceived: 'Phone',
  SRStatus: 'Closed',
  Agency: 'Transportation',
};

const compiled = async () =>
  compileMapping(await loadImportMapping('config/import/baltimore.yaml'), { now: Date.parse('2025-01-01T00:00:00Z') });

describe('a wall time the clocks skipped', () => {
  it('rejects the open time, naming its cell, instead of blaming the close time', async () => {
    const c = await compiled();
    const r = mapRow(c, { ...row, CreatedDate: '03/10/2024 02:30:00 AM', CloseDate: '03/10/2024 03:10:00 AM' }, 15);
    expect(r).toMatchObject({
      ok: false,
      rejection: {
        row: 15,
        column: 'CreatedDate',
        reason: '"03/10/2024 02:30:00 AM" is a time the clocks skipped in America/New_York (they went forward)',
      },
    });
  });

  it('rejects an open ticket opened then, instead of importing it an hour off, and a close time then', async () => {
    const c = await compiled();
    const open = { ...row, SRStatus: 'Open', CreatedDate: '03/10/2024 02:05:00 AM' };
    expect(mapRow(c, open, 3)).toMatchObject({ ok: false, rejection: { column: 'CreatedDate' } });
    const closed = { ...row, CreatedDate: '03/10/2024 01:40:00 AM', CloseDate: '03/10/2024 02:00:00 AM' };
    expect(mapRow(c, closed, 4)).toMatchObject({
      ok: false,
      rejection: { column: 'CloseDate', reason: expect.stringContaining('the clocks skipped') },
    });
  });

  it('reads a due date then at the offset before the change, as a due date set in wall days lands there', async () => {
    const c = await compiled();
    const r = mapRow(
      c,
      {
        ...row,
        CreatedDate: '12/11/2023 02:23:00 AM',
        DueDate: '03/10/2024 02:23:00 AM',
        CloseDate: '01/05/2024 09:00:00 AM',
      },
      5,
    );
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.row.events[0]?.crmDueAt).toBe(Date.parse('2024-03-10T07:23:00Z'));
  });
});

describe('a wall time the clocks showed twice', () => {
  it('is read at its first showing', async () => {
    const c = await compiled();
    const r = mapRow(c, { ...row, CreatedDate: '11/03/2024 01:10:00 AM', CloseDate: '11/03/2024 01:50:00 AM' }, 2);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.row.events.map((e) => e.envelope.occurredAt)).toEqual([
      Date.parse('2024-11-03T05:10:00Z'),
      Date.parse('2024-11-03T05:50:00Z'),
    ]);
  });

  it('is, for a close time whose first showing is before the open time, its second: the row is not failed', async () => {
    const c = await compiled();
    const r = mapRow(c, { ...row, CreatedDate: '11/03/2024 01:50:00 AM', CloseDate: '11/03/2024 01:10:00 AM' }, 14);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.row.events.map((e) => e.envelope.occurredAt)).toEqual([
      Date.parse('2024-11-03T05:50:00Z'),
      Date.parse('2024-11-03T06:10:00Z'),
    ]);
    // Before the open time at either showing: closed before it was opened.
    const before = mapRow(c, { ...row, CreatedDate: '11/03/2024 02:30:00 AM', CloseDate: '11/03/2024 01:10:00 AM' }, 6);
    expect(before).toMatchObject({
      ok: false,
      rejection: { column: 'CloseDate', reason: 'closed before it was opened' },
    });
  });
});
