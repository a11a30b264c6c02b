import { beforeAll, describe, expect, it } from 'vitest';
import type { DriftFinding, TicketState } from '../../src/domain/index.ts';
import { actionFor, candidates } from '../../src/reconcile/index.ts';
import { heal, type Healer } from '../../src/reconcile/heal.ts';
import { Bridge, crm, dept, testPolicy } from '../support/domain.ts';

const DAY = 86_400_000;
let open: TicketState;
let closed: TicketState;
/** What the bridge keeps of parent X, which an imported open duplicate names and no export has. */
let awaited: TicketState;
beforeAll(async () => {
  const b = new Bridge(await testPolicy());
  b.send(crm('B', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(crm('A', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(crm('C', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(dept('C', 'C#1', 'maximo', 'COMP', 2));
  open = b.ticket('B');
  closed = b.ticket('C');
  const history = { origin: 'import', occurredAt: 1_000, eventId: 'D:opened', sequence: null } as const;
  b.send(crm('D', 'OPENED', 0, { serviceCode: 'POTHOLE', requestedAt: 1_000, duplicateOf: 'X' }, history));
  awaited = b.ticket('X');
});

describe('which tickets a run checks', () => {
  const at = (t: TicketState, updatedAt: number, closedAt: number | null = t.closedAt) => ({
    ...t,
    updatedAt,
    closedAt,
  });
  const ids = (r: { tickets: TicketState[] }) => r.tickets.map((t) => t.ticketId);
  const base = { now: 100 * DAY, closedWindowMs: 7 * DAY, settleMs: 60_000 };

  it('open tickets and those closed within the window, in id order; recent changes wait', () => {
    const states = [
      at(open, 90 * DAY),
      { ...at(open, 90 * DAY), ticketId: 'A' },
      at(closed, 95 * DAY, 95 * DAY),
      { ...at(closed, 80 * DAY, 80 * DAY), ticketId: 'D' },
      { ...at(open, 100 * DAY - 1_000), ticketId: 'E' },
    ];
    const r = candidates(states, base);
    expect(ids(r)).toEqual(['A', 'B', 'C']);
    expect(r.settling).toBe(1);
    expect(ids(candidates(states, { ...base, since: 92 * DAY }))).toEqual(['C']);
    // One ticket is checked whatever its age or state.
    expect(ids(candidates(states, { ...base, ticketId: 'D' }))).toEqual(['D']);
    expect(candidates(states, { ...base, ticketId: 'D' }).notChecked).toBeNull();
    expect(candidates(states, base).notChecked).toBeNull();
    // One the bridge does not hold is said so, not checked as nothing.
    expect(candidates(states, { ...base, ticketId: 'NOPE' })).toEqual({
      tickets: [],
      settling: 0,
      notChecked: 'UNKNOWN',
    });
  });

  it('leaves out the record of a parent imported duplicates wait for, which is no ticket', () => {
    expect(awaited.children).toEqual([{ ticketId: 'D', linkType: 'DUPLICATE' }]);
    // Closed within the window, as the record is kept: a ticket so would be checked.
    const states = [at(awaited, 95 * DAY, 95 * DAY), at(closed, 95 * DAY, 95 * DAY)];
    expect(ids(candidates(states, base))).toEqual(['C']);
    expect(candidates(states, { ...base, ticketId: 'X' })).toEqual({
      tickets: [],
      settling: 0,
      notChecked: 'AWAITED_PARENT',
    });
  });
});

describe('what is done about a finding', () => {
  const f = (kind: DriftFinding['kind']) => ({ kind }) as DriftFinding;

  it('heals what is safe, follows the city on closures by hand, and leaves missing items to people', () => {
    expect(actionFor(f('CRM_BEHIND'), 'reopen')).toBe('RESENT_STATUSES');
    expect(actionFor(f('CRM_AHEAD'), 'accept')).toBe('RESEND_REQUESTED');
    // Closed in the CRM, open in the bridge's older state: sent again, it would reopen the ticket.
    const closedThere = { kind: 'CRM_AHEAD', observedState: 'closed', bridgeState: 'SCHEDULED' } as DriftFinding;
    expect(actionFor(closedThere, 'accept')).toBe('ALERTED');
    expect(actionFor(closedThere, 'reopen')).toBe('RESEND_REQUESTED');
    expect(actionFor({ ...closedThere, bridgeState: 'RESOLVED' }, 'accept')).toBe('RESEND_REQUESTED');
    expect(actionFor({ ...closedThere, observedState: 'open' }, 'accept')).toBe('RESEND_REQUESTED');
    expect(actionFor(f('DEPT_AHEAD'), 'reopen')).toBe('FED_OBSERVATION');
    expect(actionFor(f('CRM_CLOSED_BY_HAND'), 'reopen')).toBe('REOPEN_REQUESTED');
    expect(actionFor(f('CRM_CLOSED_BY_HAND'), 'accept')).toBe('ACCEPTED');
    expect(actionFor(f('DEPT_MISSING'), 'reopen')).toBe('ALERTED');
    expect(actionFor(f('CRM_MISSING'), 'accept')).toBe('ALERTED');
  });
});

describe('a CRM ahead of the bridge', () => {
  it('is left for people (ALERTED), not guessed, when the CRM version is not known', async () => {
    const nothingCalled = {} as Healer;
    const f = { kind: 'CRM_AHEAD', crmVersion: null, detail: 'ahead' } as unknown as DriftFinding;
    const done = await heal(nothingCalled, f, 'RESEND_REQUESTED', 0, 'bridge.ticket-status.v1');
    expect(done.action).toBe('ALERTED');
    expect(done.finding.detail).toBe("ahead; the CRM's version is not known, so no status could be sent above it");
  });
});
