// R8 duplicate-link coverage over what the bridge records, end to end: a refused correction of a
// duplicate that keeps its link must not count it twice (docs/kpi.md, R8).
import { beforeEach, describe, expect, it } from 'vitest';
import { computeKpis, type KpiViolation } from '../../../src/domain/kpi/index.ts';
import { ticketFromStatus } from '../../../src/kpi/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

function coverage(ids: readonly string[]) {
  const month = new Date(bridge.now).toISOString().slice(0, 7);
  const tickets = ids.map((id) => ticketFromStatus(bridge.lastStatus(id) as never, 'UTC'));
  const violations: KpiViolation[] = bridge.violations.map((v) => ({
    ticketId: v.ticketId,
    kind: v.kind,
    department: v.department ?? null,
    occurredAt: bridge.now,
    linkType: v.linkType ?? null,
  }));
  const kpis = computeKpis(tickets, violations, month, bridge.now + 1, 'UTC');
  const sum = (f: (k: (typeof kpis)[number]) => number) => kpis.reduce((n, k) => n + f(k), 0);
  return {
    pct: kpis.map((k) => k.duplicateLinkCoveragePct).filter((p) => p !== null),
    linked: sum((k) => k.duplicatesLinked),
    closed: sum((k) => k.duplicatesClosed),
  };
}

describe('R8 over a duplicate whose link correction is refused', () => {
  it.each([
    ['an unknown parent', { duplicateOf: 'GONE' }, 'UPDATED'],
    ['no parent', { duplicateOf: null }, 'DUPLICATE_DECLARED'],
    ['itself', { duplicateOf: 'D' }, 'UPDATED'],
  ] as const)('counts the still-linked duplicate once (%s)', (_what, fields, kind) => {
    for (const id of ['P1', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.send(crm('D', kind, 3, fields));
    expect(bridge.violationsOf('D')).toHaveLength(1);
    bridge.send(dept('P1', 'P1#1', 'maximo', 'COMP', 11, { department: 'transportation' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 12, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({ closureReason: 'DUPLICATE', duplicateOf: 'P1' });
    expect(coverage(['P1', 'D'])).toEqual({ pct: [100], linked: 1, closed: 1 });
  });

  it('still counts a duplicate whose only link is refused as unlinked', () => {
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'GONE' }));
    // No duplicate closed, one declared without a valid link: 0 %.
    expect(coverage(['D'])).toEqual({ pct: [0], linked: 0, closed: 0 });
  });
});
