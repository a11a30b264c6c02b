import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { decide, type OpenAlert, type TicketState } from '../../../src/domain/index.ts';
import { withWatch } from '../../../src/domain/sentinel/index.ts';
import {
  alertsSection,
  mergeStuck,
  OLDEST_SHOWN,
  tallyStuck,
  type StuckTickets,
} from '../../../src/processor/stuck-tickets.ts';
import { crm, testPolicy } from '../../support/domain.ts';

const T0 = 1_790_000_000_000;
const OWNER = 'service owner Hana Owner <housing-311-owner@city.example>';

let opened: Promise<TicketState | null> | null = null;

/** A ticket decide() opened, with these alerts open in its watch. */
async function ticket(ticketId: string, alerts: readonly Omit<OpenAlert, 'raisedAt'>[]): Promise<TicketState> {
  opened ??= testPolicy().then(
    (policy) => decide(null, crm('SR-0', 'OPENED', 1, { serviceCode: 'GRASS' }), { policy, now: T0 }).state,
  );
  const state = await opened;
  if (!state) throw new Error('decide opened no ticket');
  return withWatch({ ...state, ticketId }, { alerts: alerts.map((a) => ({ ...a, raisedAt: a.since })) });
}

const routed = (since: number) =>
  ({ reason: 'STUCK_ROUTED', subject: '', department: 'housing', since, detail: 'ROUTED for 20 min' }) as const;
const backWith311 = (since: number) =>
  ({ reason: 'STUCK_NEW', subject: '', department: null, since, detail: 'NEW for 70 min' }) as const;
const policy = { accountable: { housing: OWNER } };

describe('the stuck tickets a processor holds, as readiness shows them', () => {
  it('counts every open alert per reason and names only the oldest few, however many are open', async () => {
    // Thousands open: the answer stays the same size.
    const many = await Promise.all(
      Array.from({ length: 3_000 }, (_, i) => ticket(`SR-${i}`, [routed(T0 + 1_000 * ((i * 7919) % 3_000))])),
    );
    const with311 = await ticket('SR-NEW', [backWith311(T0 + 500)]);
    const registry = new Registry();
    const gauge = new Gauge({ name: 'stuck', help: 'h', labelNames: ['reason', 'department'], registers: [registry] });
    const s = tallyStuck([many.slice(0, 1_500), [...many.slice(1_500), with311]], policy, T0 + 99, gauge);
    expect(s.open).toBe(3_001);
    expect(s.byReason).toEqual({ STUCK_ROUTED: 3_000, STUCK_NEW: 1 });
    expect(s.checkedAt).toBe(T0 + 99);
    expect(s.oldest).toHaveLength(OLDEST_SHOWN);
    expect(s.oldest.map((a) => [a.ticketId, a.since - T0])).toEqual([
      ['SR-0', 0],
      ['SR-NEW', 500],
      ['SR-1679', 1_000],
      ['SR-358', 2_000],
      ['SR-2037', 3_000],
    ]);
    expect(s.oldest[0]).toEqual({
      ticketId: 'SR-0',
      reason: 'STUCK_ROUTED',
      subject: '',
      department: 'housing',
      accountable: OWNER,
      since: T0,
    });
    // What no department holds is the 311 desk's.
    expect(s.oldest[1]).toMatchObject({ department: null, accountable: '311 service desk' });
    // The gauge gets the same count, in one pass.
    const series = (await gauge.get()).values.map((v) => [v.labels['reason'], v.labels['department'], v.value]);
    expect(series.sort()).toEqual([
      ['STUCK_NEW', '311', 1],
      ['STUCK_ROUTED', 'housing', 3_000],
    ]);
    expect(JSON.stringify(alertsSection(s)).length).toBeLessThan(2_000);
  });

  it('adds up the threads’ summaries, keeping the oldest of all, as of the earliest count', async () => {
    const a = tallyStuck(
      [[await ticket('SR-1', [routed(T0 + 10)]), await ticket('SR-2', [routed(T0 + 30)])]],
      policy,
      T0 + 5,
      undefined,
      [2, 0],
    );
    const b = tallyStuck([[await ticket('SR-3', [backWith311(T0 + 20)])]], policy, T0 + 3, undefined, [1]);
    const merged = mergeStuck([a, null, b]) as StuckTickets;
    expect(merged.open).toBe(3);
    expect(merged.byReason).toEqual({ STUCK_ROUTED: 2, STUCK_NEW: 1 });
    expect(merged.oldest.map((x) => x.ticketId)).toEqual(['SR-1', 'SR-3', 'SR-2']);
    expect(merged.checkedAt).toBe(T0 + 3);
    // Which partitions' tickets the figures cover: the threads' together.
    expect(merged.partitions).toEqual([0, 1, 2]);
    expect(mergeStuck([null, null])).toBeNull();
  });

  it('renders the section with ISO times, a work order as its subject, and nothing open before a count', async () => {
    const silent = await ticket('SR-9', [
      { reason: 'WORK_ORDER_SILENT', subject: 'SR-9#1', department: 'housing', since: T0, detail: 'silent' },
    ]);
    expect(alertsSection(tallyStuck([[silent]], { accountable: {} }, T0 + 60_000, undefined, [3, 1]))).toEqual({
      open: 1,
      byReason: { WORK_ORDER_SILENT: 1 },
      oldest: [
        {
          ticketId: 'SR-9',
          reason: 'WORK_ORDER_SILENT',
          subject: 'SR-9#1',
          department: 'housing',
          accountable: null,
          since: new Date(T0).toISOString(),
        },
      ],
      checkedAt: new Date(T0 + 60_000).toISOString(),
      partitions: [1, 3],
    });
    expect(alertsSection(null)).toEqual({ open: 0, byReason: {}, oldest: [], checkedAt: null, partitions: [] });
  });
});
