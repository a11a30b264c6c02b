import { describe, expect, it } from 'vitest';
import { computeKpis, figuresChangeAt, KPI_DEFINITION_VERSION } from '../../../src/domain/kpi/index.ts';
import { ticketFromStatus } from '../../../src/kpi/from-status.ts';
import { PublicFigures } from '../../../src/public/figures.ts';
import { createSite } from '../../../src/public/site.ts';
import { RequestFacts, StatusProjection, toGeoReport } from '../../../src/status-api/index.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';
import { at, sendAt } from '../../support/sla.ts';

/*
 * A target of whole business days ends at the end of its last day, which is the next day's local
 * midnight. A pothole reported on Saturday 25 July 2026 (5 business days) is due at the end of
 * Friday 31 July: 00:00 on Saturday 1 August. It fell due in July, on the Friday (definition v2).
 */
const NYC = 'America/New_York';

async function pothole(resolvedIso: string | null) {
  const bridge = new Bridge(await slaTestPolicy());
  sendAt(
    bridge,
    crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-07-25T10:00') }),
    '2026-07-25T10:00',
  );
  sendAt(bridge, dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }), '2026-07-27T09:00');
  if (resolvedIso)
    sendAt(bridge, dept('T1', 'T1#1', 'maximo', 'COMP', 3, { department: 'transportation' }), resolvedIso);
  return bridge;
}

const completion = (records: ReturnType<typeof computeKpis>) =>
  records.map((r) => [r.definitionVersion, r.completionDue, r.completedOnTime, r.stillOpenPastDue]);

describe('a target that ends at midnight falls due on the day that ended', () => {
  it('is due at 00:00 on Saturday 1 August', async () => {
    const s = (await pothole(null)).lastStatus('T1');
    expect(s.completionDueAt).toBe(at('2026-08-01T00:00'));
  });

  it('counts in July, the month of its last day, under definition version 2 and later', async () => {
    const done = ticketFromStatus((await pothole('2026-07-31T16:00')).lastStatus('T1'), NYC);
    const now = at('2026-08-15T12:00');
    expect(completion(computeKpis([done], [], '2026-07', now, NYC))).toEqual([[KPI_DEFINITION_VERSION, 1, 1, 0]]);
    expect(completion(computeKpis([done], [], '2026-08', now, NYC))).toEqual([]);
    // Left open, it is July's late ticket from the first instant of August.
    const open = ticketFromStatus((await pothole(null)).lastStatus('T1'), NYC);
    expect(completion(computeKpis([open], [], '2026-07', at('2026-08-01T00:00') + 1, NYC))).toEqual([
      [KPI_DEFINITION_VERSION, 1, 0, 1],
    ]);
    expect(completion(computeKpis([open], [], '2026-08', at('2026-08-15T12:00'), NYC))).toEqual([]);
    expect(KPI_DEFINITION_VERSION).toBe(3);
  });

  it("changes July's figures, not August's, when it passes", async () => {
    const open = ticketFromStatus((await pothole(null)).lastStatus('T1'), NYC);
    const now = at('2026-07-30T12:00');
    expect(figuresChangeAt([open], '2026-07', now)).toBe(at('2026-08-01T00:00') + 1);
    expect(figuresChangeAt([open], '2026-08', now)).toBe(Infinity);
  });

  it("is July's on the public performance page, which says the definition version", async () => {
    const bridge = await pothole('2026-07-31T16:00');
    const figures = new PublicFigures(new RequestFacts(), NYC, () => at('2026-08-15T12:00'));
    for (const s of bridge.statusesOf('T1')) figures.applyStatus(s);
    const july = figures.month('2026-07');
    expect(july.departments.map((d) => [d.department, d.completionDue, d.completedOnTime])).toEqual([
      ['transportation', 1, 1],
    ]);
    expect(figures.month('2026-08').departments).toEqual([]);
    expect(july.definitionVersion).toBe(3);
  });

  it('is shown as Friday 31 July on the tracking page, and as 2026-07-31 in Open311', async () => {
    const bridge = await pothole(null);
    const projection = new StatusProjection();
    const facts = new RequestFacts();
    const figures = new PublicFigures(facts, NYC, () => at('2026-07-28T12:00'));
    for (const s of bridge.statusesOf('T1')) {
      projection.apply(s);
      figures.applyStatus(s);
    }
    const site = createSite({
      projection,
      facts,
      figures,
      cityName: 'Baltimore',
      targets: {},
      serviceName: () => 'Pothole',
    });
    const body = site(new URL('http://city.example/track/T1'))?.body ?? '';
    expect(body).toContain('Friday 31 July 2026');
    expect(body).not.toContain('1 August');
    const ticket = projection.get('T1');
    if (!ticket) throw new Error('T1 not held');
    const context = { serviceName: () => 'Pothole', ticket: () => undefined, fact: () => undefined, timeZone: NYC };
    const report = toGeoReport(ticket, context);
    // The instant stays the instant: the work is expected by 00:00 on 1 August, local time.
    expect(report.expected_datetime).toBe('2026-08-01T04:00:00Z');
    expect(report.service_notice).toBe('Expected to be done by 2026-07-31.');
  });
});
