import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { NO_DEPARTMENT, PublicFigures } from '../../../src/public/figures.ts';
import { figuresCsv } from '../../../src/public/open-data.ts';
import { RequestFacts } from '../../../src/status-api/index.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';
import type { StatusRead } from '../../../src/kpi/from-status.ts';
import { fact, loadFixture, MONTH, NOW, SCRIPT_NAME, status, wo, ZONE } from '../../support/public-fixture.ts';
import { at, sendAt } from '../../support/sla.ts';

function fixture(): PublicFigures {
  const facts = new RequestFacts();
  const figures = new PublicFigures(facts, ZONE, () => NOW);
  loadFixture({ facts, figures });
  return figures;
}

describe('public figures of a month', () => {
  it('counts requests received, by kind, department and channel, and the top types', () => {
    const f = fixture().month(MONTH);
    expect(f).toMatchObject({
      month: MONTH,
      definitionVersion: 3,
      provisional: false,
      received: 7,
      service: 5,
      information: 2,
    });
    expect(f.byDepartment.map((c) => [c.key, c.count])).toEqual([
      ['transportation', 4],
      [NO_DEPARTMENT, 2],
      ['parks', 1],
    ]);
    expect(f.byChannel.map((c) => [c.label, c.count])).toEqual([
      ['Phone', 3],
      ['Web', 3],
      ['Mobile app', 1],
    ]);
    expect(f.topService.map((c) => [c.label, c.count])).toEqual([
      ['Pothole', 4],
      [SCRIPT_NAME, 1],
    ]);
    expect(f.topInformation.map((c) => [c.label, c.count])).toEqual([['Trash day', 2]]);
  });

  it('gives on-time figures per department under the KPI definition, and the median days to close', () => {
    const f = fixture().month(MONTH);
    // Duplicates and follow-ups have no clock of their own (docs/kpi.md).
    expect(f.departments.find((d) => d.department === 'transportation')).toMatchObject({
      responseDue: 2,
      respondedOnTime: 1,
      respondedOnTimePct: 50,
      completionDue: 2,
      completedOnTime: 1,
      resolved: 2,
    });
    expect(f.departments.find((d) => d.department === 'parks')).toMatchObject({ responseDue: 1, respondedOnTime: 1 });
    // S1 took 2 days, S2 10: the lower middle value, as the KPI definition takes medians.
    expect(f.medianDaysToClose).toBe(2);
  });

  it("takes the median days to close over R6's population: follow-ups and cancellations left out too", () => {
    const DAY = 86_400_000;
    const on = (d: number, h = 14) => Date.UTC(2026, 9, d, h);
    const resolved = (id: string, req: number, res: number, over: Partial<StatusRead> = {}) =>
      status(id, 1, {
        crmStatus: 'CLOSED',
        lifecycleState: 'RESOLVED',
        publicStatusCode: 'RESOLVED',
        closureReason: 'WORK_COMPLETED',
        workOrders: wo('transportation'),
        requestedAt: req,
        responseDueAt: req + 2 * DAY,
        completionDueAt: req + 5 * DAY,
        respondedAt: req + 3_600_000,
        resolvedAt: res,
        calendarDaysToResolve: (res - req) / DAY,
        businessDaysToResolve: (res - req) / DAY,
        ...over,
      });
    const facts = new RequestFacts();
    const figures = new PublicFigures(facts, ZONE, () => NOW);
    const add = (s: StatusRead) => {
      facts.apply(fact(s.ticketId, { requestedAt: s.requestedAt }));
      figures.applyStatus(s);
    };
    add(resolved('W1', on(2), on(12)));
    // Closed with its original within hours, and cancelled by the requester: neither is the department's clock.
    add(resolved('FU1', on(3), on(3, 16), { followUpOf: 'W1', closureReason: 'FOLLOW_UP' }));
    add(resolved('C1', on(4), on(4, 15), { lifecycleState: 'CANCELLED', closureReason: 'CANCELLED_BY_REQUESTOR' }));
    const f = figures.month('2026-10');
    expect(f.departments).toEqual([
      expect.objectContaining({ department: 'transportation', resolved: 1, medianCalendarDaysToResolve: 10 }),
    ]);
    expect(f.medianDaysToClose).toBe(10);
  });

  it('draws a 12-month trend ending with the month', () => {
    const trend = fixture().trend(MONTH);
    expect(trend).toHaveLength(12);
    expect(trend.slice(-2).map((c) => [c.key, c.count])).toEqual([
      ['2026-09', 1],
      ['2026-10', 7],
    ]);
  });

  it('recomputes when a record arrives', () => {
    const facts = new RequestFacts();
    const figures = new PublicFigures(facts, ZONE, () => NOW);
    expect(figures.month(MONTH).received).toBe(0);
    loadFixture({ facts, figures });
    expect(figures.month(MONTH).received).toBe(7);
  });

  it('moves with time: a due instant passing and the month ending change the answer without any record', async () => {
    const bridge = new Bridge(await slaTestPolicy());
    sendAt(
      bridge,
      crm('A', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-11-16T10:00') }),
      '2026-11-16T10:00',
    );
    let now = at('2026-11-17T12:00');
    const facts = new RequestFacts();
    const figures = new PublicFigures(facts, 'America/New_York', () => now);
    for (const s of bridge.statusesOf('A')) figures.applyStatus(s);
    const shown = () => {
      const f = figures.month('2026-11');
      const d = f.departments.find((x) => x.responseDue > 0);
      return { provisional: f.provisional, responseDue: d?.responseDue ?? 0, completionDue: d?.completionDue ?? 0 };
    };
    expect(shown()).toEqual({ provisional: true, responseDue: 0, completionDue: 0 });
    // Response due Wed 18 Nov 10:00 has passed, completion due Mon 23 Nov 10:00 not yet.
    now = at('2026-11-18T10:00');
    expect(shown()).toEqual({ provisional: true, responseDue: 0, completionDue: 0 });
    now = at('2026-11-18T10:00') + 1;
    expect(shown()).toEqual({ provisional: true, responseDue: 1, completionDue: 0 });
    // A target due at the month's end, local midnight, is the month's own (docs/kpi.md R1), and its
    // verdict comes only after that instant: the month is final from the next.
    now = at('2026-12-01T00:00');
    expect(figures.month('2026-11').provisional).toBe(true);
    now += 1;
    expect(figures.month('2026-11').provisional).toBe(false);
    now = at('2026-12-05T12:00');
    const fresh = new PublicFigures(new RequestFacts(), 'America/New_York', () => now);
    for (const s of bridge.statusesOf('A')) fresh.applyStatus(s);
    expect(figures.month('2026-11')).toEqual(fresh.month('2026-11'));
    expect(figures.month('2026-11')).toMatchObject({ provisional: false });
  });

  // A ticket on a calendar west of the city's has a target falling due after the month is over in
  // the city's zone: the month's figures can still change, as the KPI job says.
  it('stays provisional until the month is over in the zone of every ticket, not only the city', () => {
    const DAY = 86_400_000;
    const laMidnight = Date.UTC(2026, 10, 1, 7);
    let now = Date.UTC(2026, 10, 1, 5);
    const figures = new PublicFigures(new RequestFacts(), ZONE, () => now);
    figures.applyStatus(
      status('LA-1', 1, {
        workOrders: wo('parks'),
        slaTimeZone: 'America/Los_Angeles',
        requestedAt: laMidnight - 5 * DAY,
        responseDueAt: laMidnight - 3 * DAY,
        respondedAt: laMidnight - 4 * DAY,
        completionDueAt: laMidnight,
      }),
    );
    expect(figures.month(MONTH).provisional).toBe(true);
    now = laMidnight + 1;
    expect(figures.month(MONTH).provisional).toBe(false);
  });

  it("keeps a past month's figures when a resolved ticket is reopened, then cancelled or linked as a duplicate", async () => {
    for (const after of ['cancelled', 'duplicate'] as const) {
      const bridge = new Bridge(await slaTestPolicy());
      const send = (input: Parameters<typeof sendAt>[1], iso: string) => sendAt(bridge, input, iso);
      const maximo = (code: string, seq: number, iso: string) =>
        send(dept('O', 'O#1', 'maximo', code, seq, { department: 'transportation' }), iso);
      let now = at('2026-11-01T12:00');
      const figures = new PublicFigures(new RequestFacts(), 'America/New_York', () => now);
      let applied = 0;
      const applyNew = () => {
        for (const s of bridge.statuses.slice(applied)) figures.applyStatus(s);
        applied = bridge.statuses.length;
      };
      send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
      maximo('APPR', 2, '2026-10-06T10:00');
      maximo('COMP', 3, '2026-10-07T10:00');
      applyNew();
      const published = figures.month('2026-10');
      expect(published.departments).toEqual([
        expect.objectContaining({ department: 'transportation', completionDue: 1, completedOnTime: 1, resolved: 1 }),
      ]);
      expect(published.medianDaysToClose).toBe(2);
      // A follow-up reopens it in November; the CRM then cancels it, or links it to another request.
      send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }), '2026-11-05T10:00');
      maximo('INPRG', 4, '2026-11-06T10:00');
      if (after === 'cancelled') {
        send(crm('O', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-08T10:00');
        maximo('CAN', 5, '2026-11-08T11:00');
      } else {
        send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }), '2026-11-07T10:00');
        send(crm('O', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }), '2026-11-08T10:00');
      }
      expect(bridge.lastStatus('O')).toMatchObject({
        lifecycleState: after === 'cancelled' ? 'CANCELLED' : 'DUPLICATE',
        resolvedAt: at('2026-10-07T10:00'),
      });
      applyNew();
      now = at('2026-11-10T12:00');
      expect(figures.month('2026-10'), after).toEqual(published);
    }
  });

  it('downloads as tidy CSV, each row with its definition version', () => {
    const rows = parse(figuresCsv(fixture().month(MONTH)), { columns: true }) as Record<string, string>[];
    expect(rows[0]).toEqual({
      month: MONTH,
      definition_version: '3',
      measure: 'requests_received',
      category: 'all',
      value: '7',
    });
    expect(rows.every((r) => r['definition_version'] === '3')).toBe(true);
    expect(rows).toContainEqual(
      expect.objectContaining({ measure: 'completed_on_time', category: 'transportation', value: '1' }),
    );
  });
});
