import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { Bridge, crm, dept } from '../support/domain.ts';
import { testMessaging } from '../support/kafka.ts';
import { readCommitted, step, testConfig, testProcessor } from '../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

const at = (iso: string): number => DateTime.fromISO(iso, { zone: 'America/New_York' }).toMillis();
const MON_16 = at('2026-11-16T10:00');
const POLICIES = {
  POTHOLE: {
    calendar: 'baltimore',
    response: '2 business_days',
    completion: '5 business_days',
    pauseReasons: ['PARTS'],
  },
};

describe('SLA clocks in the processor, on the real broker and registry', () => {
  it('sends due dates, pauses and breaches as statuses, and keeps the clocks across a restore', async () => {
    // The sentinel shares the timer sweep; off here, so the sweep's counts are the SLA's alone.
    const { config } = await testConfig(2, 30, { slaPolicies: POLICIES, sentinel: null });
    let now = at('2026-11-16T10:05');
    const start = async () => {
      const p = testProcessor(config, messaging, () => now);
      running.push(p);
      // The timer's check looks only at restored tickets, so wait for the assignment's restore.
      const assigned = p.nextAssignment();
      await p.start();
      await assigned;
      return p;
    };
    let processor = await start();
    const expected = new Bridge(config.policy);
    const sync = () => (expected.now = now);
    sync();
    await step(config, messaging, expected, [
      crm('P1', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16 }),
      crm('P2', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: MON_16 }),
    ]);
    now = at('2026-11-18T12:00');
    sync();
    const maximo = (code: string, seq: number, iso: string) =>
      dept('P1', 'P1#1', 'maximo', code, seq, { department: 'transportation' }, { occurredAt: at(iso) });
    await step(config, messaging, expected, [
      maximo('APPR', 2, '2026-11-17T09:00'),
      maximo('WMATL', 3, '2026-11-18T10:00'),
    ]);

    const statuses = async () =>
      (await readCommitted<TicketStatusChange>(messaging, config.topics.status)).values.sort(
        (a, b) => a.ticketId.localeCompare(b.ticketId) || a.version - b.version,
      );
    const p1 = (await statuses()).filter((s) => s.ticketId === 'P1');
    expect(p1.map((s) => [s.lifecycleState, s.respondedAt, s.slaPaused, s.holdReason])).toEqual([
      ['ROUTED', null, false, null],
      ['ACCEPTED', at('2026-11-17T09:00'), false, null],
      ['ON_HOLD', at('2026-11-17T09:00'), true, 'PARTS'],
    ]);
    expect(p1.at(-1)).toMatchObject({
      slaPolicy: 'POTHOLE',
      slaTimeZone: 'America/New_York',
      requestedAt: MON_16,
      responseDueAt: at('2026-11-18T10:00'),
      completionDueAt: at('2026-11-23T10:00'),
      slaPausedAt: at('2026-11-18T10:00'),
      workOrders: [{ workOrderId: 'P1#1', misrouted: false }],
    });
    // Avro carried every field the domain produced, nothing more or less.
    expect(p1).toEqual(expected.statusesOf('P1'));

    // P2 was never answered: the timer flags its response breach, once.
    expect(await processor.checkTimersNow()).toBe(1);
    expect(await processor.checkTimersNow()).toBe(0);
    let p2 = (await statuses()).filter((s) => s.ticketId === 'P2');
    expect(p2.at(-1)).toMatchObject({
      version: 2,
      lifecycleState: 'ROUTED',
      responseBreached: true,
      completionBreached: false,
      envelope: { eventId: 'P2/sla-breach/response/status-1' },
    });

    // A new instance restores both clocks from the changelog: P1 stays paused, P2 runs on.
    await processor.stop();
    running.splice(running.indexOf(processor), 1);
    now = at('2026-11-23T10:01');
    processor = await start();
    expect(await processor.checkTimersNow()).toBe(1);
    p2 = (await statuses()).filter((s) => s.ticketId === 'P2');
    expect(p2.at(-1)).toMatchObject({ version: 3, responseBreached: true, completionBreached: true });
    expect((await statuses()).filter((s) => s.ticketId === 'P1')).toHaveLength(3);
  });
});
