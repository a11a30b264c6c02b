import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  const policy = await testPolicy();
  bridge = new Bridge({ ...policy, ordering: { maxSequenceJump: 1_000, maxFutureMs: 3_600_000 } });
  bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
});

let n = 0;
function resetOrder(ticketId: string, workOrderId: string | null): InboundEvent {
  n += 1;
  return {
    type: 'operator',
    event: {
      envelope: {
        eventId: `op-${n}`,
        jurisdiction: 'testville',
        source: 'closeloop-cli',
        sequence: null,
        occurredAt: bridge.now,
        origin: 'closeloop',
        correlationId: null,
      },
      ticketId,
      kind: 'RESET_ORDER',
      workOrderId,
      by: 'alice',
      reason: 'maximo renumbered its change feed',
    },
  };
}

const kinds = (d: { violations: readonly { kind: string }[] }) => d.violations.map((v) => v.kind);

describe('operator command: reset-order', () => {
  it("resets a work order's watermark so the next real event applies, and records who and why", () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    // The department renumbered its feed: a legitimate jump, quarantined like an absurd one.
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', 5_000_000)))).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    const d = bridge.send(resetOrder('T1', 'T1#1'));
    expect(d.statuses).toEqual([]);
    expect(d.violations).toEqual([
      expect.objectContaining({
        kind: 'ORDER_RESET',
        ticketId: 'T1',
        workOrderId: 'T1#1',
        department: 'transportation',
        detail:
          'reset-order by alice: maximo renumbered its change feed; watermark was 2, the next event of the work order applies',
      }),
    ]);
    expect(d.stateChanged).toBe(true);
    expect(bridge.ticket('T1').workOrders[0]).toMatchObject({
      lastPosition: Number.NEGATIVE_INFINITY,
      state: 'ACCEPTED',
    });
    const next = bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 5_000_001));
    expect(kinds(next)).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ lifecycleState: 'IN_PROGRESS' });
    expect(kinds(bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 5_000_002)))).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED' });
  });

  it('is carried out once when the same command is delivered twice', () => {
    bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2));
    const command = resetOrder('T1', 'T1#1');
    bridge.send(command);
    bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', 3));
    const again = bridge.send(command);
    expect(again.violations).toEqual([]);
    expect(bridge.ticket('T1').workOrders[0]?.lastPosition).toBe(3);
  });

  it('changes nothing for a work order the ticket does not have, and says which it has', () => {
    const before = bridge.ticket('T1');
    const d = bridge.send(resetOrder('T1', 'T1#9'));
    expect(kinds(d)).toEqual(['UNKNOWN_WORK_ORDER']);
    expect(d.violations[0]?.detail).toContain("work order T1#9 is not one of this ticket's (T1#1), nothing changed");
    expect(bridge.ticket('T1').workOrders).toEqual(before.workOrders);
  });

  it('changes nothing for a ticket the bridge does not know', () => {
    const d = bridge.send(resetOrder('T404', 'T404#1'));
    expect(kinds(d)).toEqual(['UNKNOWN_TICKET']);
    expect(d.violations[0]?.detail).toContain('reset-order by alice');
    expect(bridge.tickets.has('T404')).toBe(false);
  });

  it("resets the ticket's CRM watermark when no work order is named", () => {
    expect(kinds(bridge.send(crm('T1', 'UPDATED', 900_000, { note: 'renumbered' })))).toEqual(['IMPLAUSIBLE_SEQUENCE']);
    expect(kinds(bridge.send(resetOrder('T1', null)))).toEqual(['ORDER_RESET']);
    const next = bridge.send(crm('T1', 'UPDATED', 900_001, { note: 'gate code 1234' }));
    expect(kinds(next)).toEqual([]);
    expect(bridge.ticket('T1').crmPosition).toBe(900_001);
  });
});
