import { beforeEach, describe, expect, it } from 'vitest';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  const policy = await testPolicy();
  bridge = new Bridge({ ...policy, ordering: { maxSequenceJump: 1_000, maxFutureMs: 3_600_000 } });
  bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
});

const kinds = (d: { violations: readonly { kind: string }[] }) => d.violations.map((v) => v.kind);

describe('rule 6: positions too far ahead are quarantined, not applied', () => {
  it('accepts the first event of a work order whatever its sequence', () => {
    const d = bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 700_000));
    expect(kinds(d)).toEqual([]);
    expect(bridge.ticket('T1').workOrders[0]?.lastPosition).toBe(700_000);
  });

  it('quarantines a sequence jump beyond the bound; later real events still apply and the ticket closes', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2));
    const absurd = bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', 700_000));
    expect(kinds(absurd)).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    expect(absurd.statuses).toEqual([]);
    expect(absurd.violations[0]).toMatchObject({
      workOrderId: 'T1#1',
      rawStatus: 'WSCH',
      detail:
        'WSCH: sequence 700000 jumps 699998 past 2, more than processor.ordering.maxSequenceJump (1000); not applied',
    });
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ lastPosition: 2, state: 'ACCEPTED' });
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 3)))).toEqual([]);
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 1_003)))).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
  });

  it('takes a jump of exactly the bound', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2));
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 1_002)))).toEqual([]);
  });

  it('quarantines an occurredAt too far after processing time, for the first event too', () => {
    const far = bridge.now + 3_600_001;
    const d = bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 0, {}, { sequence: null, occurredAt: far }));
    expect(kinds(d)).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    expect(d.violations[0]?.detail).toContain('is more than processor.ordering.maxFutureMs (3600000 ms)');
    expect(bridge.ticket('T1').workOrders[0]?.lastPosition).toBe(Number.NEGATIVE_INFINITY);
    const near = bridge.now + 3_600_000;
    expect(
      kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 0, {}, { sequence: null, occurredAt: near }))),
    ).toEqual([]);
  });

  it('judges an envelope whose writer has no sequence field by its time, as one whose sequence is null', () => {
    // Read with such a writer's schema, the field is not null but missing.
    const none = { sequence: undefined } as unknown as { sequence: null };
    const at = (minutesAgo: number) => ({ ...none, occurredAt: bridge.now - minutesAgo * 60_000 });
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 0, {}, at(20))))).toEqual([]);
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 0, {}, at(10))))).toEqual([]);
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ state: 'IN_PROGRESS' });
  });

  it('describes a date no Date can show without throwing', () => {
    const d = bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 0, {}, { sequence: null, occurredAt: 9e18 }));
    expect(d.violations[0]?.detail).toContain('occurredAt 9000000000000000000 is more than');
  });

  it('applies the replayed event once it is believable, since it was not remembered as seen', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2));
    const event = dept('T1', 'T1#1', 'maximo', 'INPRG', 1_500);
    expect(kinds(bridge.send(event))).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', 800));
    expect(kinds(bridge.send(event))).toEqual([]);
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({ lastPosition: 1_500, state: 'IN_PROGRESS' });
  });

  it('guards the CRM watermark the same way', () => {
    const absurd = bridge.send(crm('T1', 'UPDATED', 700_000, { note: 'typo in the feed' }));
    expect(kinds(absurd)).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    expect(absurd.commands).toEqual([]);
    expect(bridge.ticket('T1').crmPosition).toBe(1);
    const real = bridge.send(crm('T1', 'UPDATED', 2, { note: 'gate code 1234' }));
    expect(kinds(real)).toEqual([]);
    expect(real.commands.map((c) => c.kind)).toEqual(['ADD_NOTE']);
  });

  it('opens a ticket dated in the future, quarantined, without taking the date as its watermark or request time', () => {
    const far = bridge.now + 10 * 86_400_000;
    const d = bridge.send(crm('T2', 'OPENED', 0, { serviceCode: 'POTHOLE' }, { sequence: null, occurredAt: far }));
    expect(kinds(d)).toEqual(['IMPLAUSIBLE_SEQUENCE', 'IMPLAUSIBLE_TIME']);
    expect(bridge.ticket('T2')).toMatchObject({
      state: 'ROUTED',
      crmPosition: Number.NEGATIVE_INFINITY,
      requestedAt: bridge.now,
    });
    const later = bridge.send(crm('T2', 'UPDATED', 0, { note: 'more' }, { sequence: null, occurredAt: bridge.now }));
    expect(kinds(later)).toEqual([]);
  });

  it('says the ticket opened when the OPENED it quarantines opens it, and "not applied" only where nothing changes', () => {
    const far = bridge.now + 10 * 86_400_000;
    const future = { sequence: null, occurredAt: far };
    const first = bridge.send(crm('T3', 'OPENED', 0, { serviceCode: 'POTHOLE' }, future));
    expect(bridge.ticket('T3').state).toBe('ROUTED');
    expect(first.violations[0]?.detail).toMatch(
      /^CRM OPENED: occurredAt .* after processing time .*; the ticket is opened, without this time as its CRM position$/,
    );
    expect(first.violations[0]?.detail).not.toContain('not applied');
    const again = bridge.send(crm('T3', 'OPENED', 0, { serviceCode: 'POTHOLE' }, future));
    expect(again.violations[0]?.detail).toMatch(/; not applied$/);
  });
});
