import { beforeEach, describe, expect, it } from 'vitest';
import { breachesFlagged } from '../../../src/domain/index.ts';
import { IMPORT_ORIGIN } from '../../../src/domain/context.ts';
import { MAX_BACKDATE_MS, MAX_FORECAST_MS } from '../../../src/domain/request-time.ts';
import { Bridge, crm, dept, slaTestPolicy, testPolicy } from '../../support/domain.ts';

const YEAR = 365 * 86_400_000;

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});

/** A CRM OPENED without a request time: its event time stands in for it. */
const openAt = (id: string, occurredAt: number, requestedAt: number | null = null) =>
  bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt }, { occurredAt }));

const timeViolations = (id: string) => bridge.violationsOf(id).filter((v) => v.kind === 'IMPLAUSIBLE_TIME');

describe('an OPENED event whose time stands in for the request time', () => {
  it.each([
    ['an unset producer timestamp (0)', () => 0],
    ['a negative time', () => -8.64e15],
    ['a count of seconds taken for milliseconds (January 1970)', () => Math.floor(bridge.now / 1000)],
    ['a time far ahead', () => bridge.now + 10 * YEAR],
  ])('quarantines %s and runs the ticket from processing time', (_, occurredAt) => {
    const d = openAt('T1', occurredAt());
    expect(timeViolations('T1')).toMatchObject([
      { detail: expect.stringContaining('standing in for the request time') as unknown },
    ]);
    const t = bridge.ticket('T1');
    expect(t.requestedAt).toBe(bridge.now);
    expect(t.sla?.startedAt).toBe(bridge.now);
    expect(breachesFlagged(null, d.state)).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({
      requestedAt: bridge.now,
      responseBreached: false,
      completionBreached: false,
    });
  });

  it('believes a past time, however old (a backlog caught up), and a source clock a little ahead as now', () => {
    openAt('T1', bridge.now - 3_600_000);
    expect(bridge.ticket('T1').requestedAt).toBe(bridge.now - 3_600_000);
    openAt('T3', bridge.now - 5 * YEAR);
    expect(bridge.ticket('T3').requestedAt).toBe(bridge.now - 5 * YEAR);
    expect(timeViolations('T3')).toEqual([]);
    openAt('T2', bridge.now + 60_000);
    expect(bridge.ticket('T2').requestedAt).toBe(bridge.now);
    expect([...timeViolations('T1'), ...timeViolations('T2')]).toEqual([]);
  });

  it('judges it without an SLA policy too: the request time is published and reported on', async () => {
    bridge = new Bridge(await testPolicy());
    openAt('T1', 0);
    expect(timeViolations('T1')).toHaveLength(1);
    expect(bridge.lastStatus('T1').requestedAt).toBe(bridge.now);
  });

  it('publishes no implausible request time given as such either, and the event time instead', () => {
    const event = bridge.now - 3_600_000;
    openAt('T1', event, 0);
    expect(timeViolations('T1')).toMatchObject([{ detail: expect.stringContaining('request time 1970') as unknown }]);
    expect(bridge.lastStatus('T1').requestedAt).toBe(event);
    openAt('T2', 0, event - MAX_BACKDATE_MS + 1);
    // The event's own time is not believed, so the request time is judged against processing time.
    expect(bridge.ticket('T2').requestedAt).toBe(bridge.now);
  });

  it('believes history however old: an import is what the city recorded', () => {
    const old = bridge.now - 5 * YEAR;
    bridge.send(crm('H1', 'OPENED', 1, { serviceCode: 'POTHOLE' }, { occurredAt: old, origin: IMPORT_ORIGIN }));
    expect(bridge.ticket('H1').requestedAt).toBe(old);
    expect(timeViolations('H1')).toEqual([]);
  });
});

describe("a department's expected date", () => {
  const DAY = 86_400_000;
  const schedule = (expectedAt: number, seq = 2) =>
    bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', seq, { department: 'transportation', expectedAt }));
  beforeEach(() => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  });

  it.each([
    ['microseconds taken for milliseconds (the year 58896)', () => (bridge.now + 3 * DAY) * 1000],
    ['seconds taken for milliseconds (January 1970)', () => Math.floor((bridge.now + 3 * DAY) / 1000)],
    ['an unset date (0)', () => 0],
    ['a date no Date can show', () => 8.7e15],
    ['a date just past the forecast bound', () => bridge.now + MAX_FORECAST_MS + 1],
  ])('quarantines %s and moves the work order on without it', (_, expectedAt) => {
    const d = schedule(expectedAt());
    expect(d.violations).toMatchObject([
      {
        kind: 'IMPLAUSIBLE_TIME',
        workOrderId: 'T1#1',
        rawStatus: 'WSCH',
        detail: expect.stringMatching(
          /^WSCH: expected date .* is before 2000-01-01T00:00:00\.000Z or more than 10 years/,
        ),
      },
    ]);
    expect(bridge.lastStatus('T1')).toMatchObject({ expectedAt: null });
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ state: 'ACCEPTED', expectedAt: null });
  });

  it('keeps the date believed before when a later one is not', () => {
    schedule(bridge.now + 3 * DAY);
    expect(timeViolations('T1')).toEqual([]);
    bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 3, { department: 'transportation', expectedAt: 1 }));
    expect(timeViolations('T1')).toHaveLength(1);
    expect(bridge.lastStatus('T1')).toMatchObject({ lifecycleState: 'IN_PROGRESS', expectedAt: bridge.now + 3 * DAY });
  });

  it('believes a date that is past (overdue work), and one years ahead within the bound', () => {
    schedule(bridge.now - 30 * DAY);
    expect(bridge.lastStatus('T1')).toMatchObject({ expectedAt: bridge.now - 30 * DAY });
    schedule(bridge.now + MAX_FORECAST_MS, 3);
    expect(bridge.ticket('T1').workOrders[0]?.expectedAt).toBe(bridge.now + MAX_FORECAST_MS);
    expect(timeViolations('T1')).toEqual([]);
  });
});
