import { beforeEach, describe, expect, it } from 'vitest';
import { breachesFlagged } from '../../../src/domain/index.ts';
import { IMPORT_ORIGIN } from '../../../src/domain/context.ts';
import { MAX_BACKDATE_MS } from '../../../src/domain/request-time.ts';
import { Bridge, crm, slaTestPolicy, testPolicy } from '../../support/domain.ts';

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
