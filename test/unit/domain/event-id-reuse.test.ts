import { describe, expect, it } from 'vitest';
import { decide, recentEventIdsOf, recentEventList, type InboundEvent } from '../../../src/domain/index.ts';
import { stateFromRecord, stateToRecord } from '../../../src/processor/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

/** The same event again, as a source publishes it twice: its correlation id may be new. */
function again(e: InboundEvent, correlationId: string): InboundEvent {
  return { ...e, event: { ...e.event, envelope: { ...e.event.envelope, correlationId } } } as InboundEvent;
}

describe('an event id used again', () => {
  it('passes over the same event again, and quarantines another event under a used id, unapplied', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const [wo] = bridge.ticket('T1').workOrders;
    // The department's system, on the ticket's work order, with the event id it gives.
    const maximo = (rawStatus: string, seq: number, env: { eventId?: string } = {}) =>
      dept('T1', wo?.workOrderId ?? '', 'maximo', rawStatus, seq, { department: 'transportation' }, env);
    const accepted = maximo('APPR', 2, { eventId: 'maximo-77' });
    bridge.send(accepted);
    const before = bridge.ticket('T1');
    const statuses = bridge.statuses.length;

    // A repeat: nothing changes, nothing is said.
    expect(bridge.send(again(accepted, 'another-publish')).stateChanged).toBe(false);
    expect(bridge.violationsOf('T1')).toEqual([]);

    // The department's next change under the same id (its ids restarted, say).
    const started = maximo('INPRG', 3, { eventId: 'maximo-77' });
    const d = bridge.send(started);
    expect(d.stateChanged).toBe(false);
    expect(bridge.ticket('T1')).toBe(before);
    expect(bridge.statuses).toHaveLength(statuses);
    const [reused] = bridge.violationsOf('T1');
    expect(reused).toMatchObject({
      kind: 'EVENT_ID_REUSED',
      sourceEventId: 'maximo-77',
      workOrderId: wo?.workOrderId,
      rawStatus: 'INPRG',
      system: 'maximo',
      department: 'transportation',
    });
    expect(reused?.detail).toBe(
      'event id maximo-77 was taken before with other content; this dept event was not applied',
    );

    // Under an id of its own, the same change is applied.
    bridge.send(maximo('INPRG', 3));
    expect(bridge.ticket('T1').workOrders[0]?.state).toBe('IN_PROGRESS');
  });

  it('tells a reuse apart after the state went through the changelog, and takes ids of older records as repeats', async () => {
    const policy = await testPolicy();
    const ctx = { policy, now: 1_790_000_100_000 };
    const opened = crm('T2', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'a hole' }, { eventId: 'crm-1' });
    const first = decide(null, opened, ctx).state;
    if (!first) throw new Error('no state');
    const restored = stateFromRecord(stateToRecord(first));
    const updated = crm('T2', 'UPDATED', 2, { description: 'a deeper hole' }, { eventId: 'crm-1' });
    expect(decide(restored, updated, ctx).violations.map((v) => v.kind)).toEqual(['EVENT_ID_REUSED']);
    expect(decide(restored, again(opened, 'x'), ctx).violations).toEqual([]);

    // A record from before digests were kept: its ids hold no digest, so any content is a repeat.
    const { ids } = recentEventList(first.recentEventIds);
    const old = { ...first, recentEventIds: recentEventIdsOf(ids) };
    const d = decide(old, updated, ctx);
    expect(d.stateChanged).toBe(false);
    expect(d.violations).toEqual([]);
  });
});
