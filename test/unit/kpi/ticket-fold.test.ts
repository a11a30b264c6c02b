import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { KpiTicketFold } from '../../../src/kpi/ticket-fold.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';
import { at, sendAt } from '../../support/sla.ts';

const NYC = 'America/New_York';
let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});
const send = (input: InboundEvent, iso: string) => sendAt(bridge, input, iso);
const maximo = (code: string, seq: number, iso: string) =>
  send(dept('O', 'O#1', 'maximo', code, seq, { department: 'transportation' }), iso);

/** Resolved 7 Oct, reopened by a follow-up on 6 Nov, cancelled by the CRM on 8 Nov. */
function resolvedReopenedCancelled() {
  send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
  maximo('APPR', 2, '2026-10-06T10:00');
  maximo('COMP', 3, '2026-10-07T10:00');
  send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }), '2026-11-05T10:00');
  maximo('INPRG', 4, '2026-11-06T10:00');
  send(crm('O', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }), '2026-11-08T10:00');
  maximo('CAN', 5, '2026-11-08T11:00');
  return bridge.statusesOf('O');
}

describe('the KPI fold of every status version', () => {
  it('keeps the latest status and, beside it, the ticket as it stood at its first resolution', () => {
    const statuses = resolvedReopenedCancelled();
    const fold = new KpiTicketFold(NYC);
    for (const s of statuses) fold.apply(s);
    expect(fold.get('O')).toMatchObject({
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      resolvedAt: at('2026-10-07T10:00'),
      atResolution: {
        lifecycleState: 'RESOLVED',
        closureReason: 'WORK_COMPLETED',
        duplicateOf: null,
        followUpOf: null,
      },
    });
  });

  it('picks the first resolution by version, not by arrival, when later versions are read first', () => {
    const statuses = resolvedReopenedCancelled();
    // Every status after the first resolution still carries its resolvedAt (a reopen keeps it),
    // so arrival order alone would pick the cancel read first.
    expect(statuses.filter((s) => s.resolvedAt !== null).map((s) => s.lifecycleState)).toEqual(
      expect.arrayContaining(['RESOLVED', 'REOPENED', 'CANCELLED']),
    );
    const fold = new KpiTicketFold(NYC);
    for (const s of [...statuses].reverse()) fold.apply(s);
    expect(fold.get('O')).toMatchObject({
      lifecycleState: 'CANCELLED',
      atResolution: { lifecycleState: 'RESOLVED', closureReason: 'WORK_COMPLETED' },
    });
  });

  it('changes nothing for a repeat or an older status that is no earlier resolution', () => {
    const statuses = resolvedReopenedCancelled();
    const fold = new KpiTicketFold(NYC);
    for (const s of statuses) fold.apply(s);
    const held = fold.get('O');
    for (const s of statuses) expect(fold.apply(s)).toBe(false);
    expect(fold.get('O')).toBe(held);
  });

  it('knows no resolution for a ticket that never resolved', () => {
    send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE', requestedAt: at('2026-10-05T10:00') }), '2026-10-05T10:00');
    const fold = new KpiTicketFold(NYC);
    for (const s of bridge.statusesOf('O')) fold.apply(s);
    expect(fold.get('O')).toMatchObject({ resolvedAt: null, atResolution: null });
    expect(fold.remove('O')).toBe(true);
    expect([...fold.tickets()]).toEqual([]);
  });
});
