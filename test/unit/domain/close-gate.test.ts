import { beforeEach, describe, expect, it } from 'vitest';
import { isTerminalWork, type TicketStatusChange } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

const brief = (s: TicketStatusChange) => [s.version, s.crmStatus, s.lifecycleState];

describe('routing and interim statuses', () => {
  it('routes a new referral and tells the CRM it was sent, as open', () => {
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'pothole' }));
    expect(d.commands).toMatchObject([
      { kind: 'CREATE', department: 'transportation', system: 'maximo', workOrderId: 'T1#1', description: 'pothole' },
    ]);
    expect(d.statuses.map(brief)).toEqual([[1, 'OPEN', 'ROUTED']]);
    expect(d.statuses[0]?.statusNote).toBe('Sent to transportation.');
  });

  it.each([
    ['WAPPR', 'ROUTED', undefined],
    ['APPR', 'ACCEPTED', 'transportation accepted the request.'],
    ['WSCH', 'ACCEPTED', 'transportation accepted the request. Waiting to be scheduled.'],
    ['WMATL', 'ON_HOLD', 'transportation put the work on hold. Waiting for materials.'],
    ['INPRG', 'IN_PROGRESS', 'transportation is working on it.'],
  ])('sends Maximo %s as an open, interim %s status', (code, state, note) => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', code, 10, { department: 'transportation' }));
    const last = bridge.lastStatus('T1');
    expect([last.crmStatus, last.lifecycleState]).toEqual(['OPEN', state]);
    if (note) expect(last.statusNote).toBe(note);
    expect(last.closureReason).toBeNull();
  });

  it('carries the expected date of scheduled work', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }));
    const due = Date.UTC(2026, 10, 30);
    bridge.send(dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 10, { department: 'housing', expectedAt: due }));
    expect(bridge.lastStatus('T1')).toMatchObject({
      lifecycleState: 'SCHEDULED',
      expectedAt: due,
      statusNote: 'housing scheduled the work for 2026-11-30. An inspection is scheduled.',
    });
  });
});

describe('rule 1: the close gate', () => {
  it('closes only when the work is completed, with the reason', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 10, { department: 'transportation' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 11, { department: 'transportation', note: 'Patched.' }));
    expect(bridge.statusesOf('T1').map(brief)).toEqual([
      [1, 'OPEN', 'ROUTED'],
      [2, 'OPEN', 'IN_PROGRESS'],
      [3, 'CLOSED', 'RESOLVED'],
    ]);
    expect(bridge.lastStatus('T1')).toMatchObject({ closureReason: 'WORK_COMPLETED' });
  });

  it('keeps a ticket with two work orders open while only one is complete', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    // The water department opens a second work order of its own on the same ticket.
    bridge.send(dept('T1', 'T1#water', 'sap-pm', 'REL', 5, { department: 'public-works' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ACCEPTED' });
    expect(bridge.lastStatus('T1').agencyResponsible).toBe('public-works');
    bridge.send(dept('T1', 'T1#water', 'sap-pm', 'TECO', 6, { department: 'public-works' }));
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
  });

  it('does not close when every work order ended without completion or a reason', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'NEW' });
    expect(bridge.lastStatus('T1').statusNote).toMatch(/^Returned to 311 for review/);
    expect(bridge.violationsOf('T1').map((v) => v.kind)).toEqual(['UNDOCUMENTED_CLOSURE']);
  });

  it('closes a cancellation once the CRM documented the reason and the department cancelled', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const d = bridge.send(
      crm('T1', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident fixed it.' }),
    );
    expect(d.commands).toMatchObject([{ kind: 'CANCEL', workOrderId: 'T1#1', reason: 'CANCELLED_BY_REQUESTOR' }]);
    expect(bridge.lastStatus('T1').crmStatus).toBe('OPEN');
    bridge.send(dept('T1', 'T1#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('T1')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident fixed it.',
    });
  });

  it('closes with a documented department reason (no violation found)', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('T1', 'T1#1', 'posse', 'NO_VIOLATION', 10, { department: 'housing' }));
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'NO_ACTION_REQUIRED' });
  });

  it('never sends CLOSED unless every work order is terminal and one completed or a reason is set', () => {
    const steps = [
      crm('A', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('B', 'OPENED', 1, { serviceCode: 'GRASS' }),
      dept('A', 'A#1', 'maximo', 'INPRG', 2),
      dept('B', 'B#1', 'posse', 'ASSIGNED_CLOSED', 2),
      dept('A', 'A#x', 'sap-pm', 'REL', 3),
      dept('A', 'A#1', 'maximo', 'CLOSE', 4),
      dept('B', 'B#1', 'posse', 'WITHDRAWN', 5),
      dept('A', 'A#x', 'sap-pm', 'CLSD', 6),
    ];
    for (const s of steps) {
      bridge.send(s);
      for (const status of bridge.statuses.filter((x) => x.crmStatus === 'CLOSED')) {
        const t = bridge.ticket(status.ticketId);
        expect(t.workOrders.every((w) => isTerminalWork(w.state))).toBe(true);
        expect(t.workOrders.some((w) => w.state === 'COMPLETED') || status.closureReason !== null).toBe(true);
      }
    }
    expect(bridge.lastStatus('A').crmStatus).toBe('CLOSED');
    expect(bridge.lastStatus('B')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'CANCELLED_BY_REQUESTOR' });
  });
});

describe('rule 2: no premature close', () => {
  it('keeps an assignment the department labels closed open, and records the attempt', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('T1', 'T1#1', 'posse', 'ASSIGNED_CLOSED', 10, { department: 'housing' }));
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ASSIGNED' });
    expect(bridge.violationsOf('T1')).toMatchObject([
      {
        kind: 'PREMATURE_CLOSE',
        department: 'housing',
        system: 'posse',
        rawStatus: 'ASSIGNED_CLOSED',
        workOrderId: 'T1#1',
      },
    ]);
  });

  it.each([
    ['maximo', 'POTHOLE', 'WSCH'],
    ['sap-pm', 'WATER', 'REL'],
    ['posse', 'GRASS', 'INSPECTION_SCHEDULED'],
  ])('a %s event flagged closed at %s does not close the ticket', (system, service, code) => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: service }));
    bridge.send(dept('T1', 'T1#1', system, code, 10, { systemClosed: true }));
    expect(bridge.lastStatus('T1').crmStatus).toBe('OPEN');
    expect(bridge.violationsOf('T1').map((v) => v.kind)).toEqual(['PREMATURE_CLOSE']);
  });
});

describe('rule 3: mapped codes only', () => {
  it('quarantines an unmapped code, changes nothing, and applies it when replayed after a fix', async () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const before = bridge.ticket('T1');
    const event = dept('T1', 'T1#1', 'maximo', 'WPERMIT', 10);
    const d = bridge.send(event);
    expect(d.violations).toMatchObject([{ kind: 'UNMAPPED_CODE', rawStatus: 'WPERMIT', system: 'maximo' }]);
    expect(d.statuses).toEqual([]);
    expect(bridge.ticket('T1')).toEqual(before);

    const policy = await testPolicy();
    const maximo = policy.mappings['maximo'];
    if (!maximo) throw new Error('no maximo mapping');
    const fixed = new Bridge({
      ...policy,
      mappings: {
        ...policy.mappings,
        maximo: { ...maximo, codes: { ...maximo.codes, WPERMIT: { state: 'ON_HOLD' } } },
      },
    });
    fixed.tickets.set('T1', bridge.ticket('T1'));
    expect(fixed.send(event).statuses.map((s) => s.lifecycleState)).toEqual(['ON_HOLD']);
  });

  it('quarantines events of a system with no mapping at all', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const d = bridge.send(dept('T1', 'T1#1', 'cityworks', 'OPEN', 10));
    expect(d.violations[0]?.detail).toContain('no mapping is configured for system cityworks');
  });
});

describe('information requests', () => {
  it('are answered at first contact: no department work, closed with the reason and a plain note', async () => {
    const b = new Bridge(await testPolicy());
    const d = b.send(crm('I1', 'OPENED', 1, { serviceCode: 'GRASS', requestKind: 'INFORMATION' }));
    expect(d.commands).toEqual([]);
    expect(d.statuses).toMatchObject([
      {
        crmStatus: 'CLOSED',
        lifecycleState: 'RESOLVED',
        closureReason: 'NO_ACTION_REQUIRED',
        closureNote: 'Answered at first contact: this was a request for information.',
      },
    ]);
    // A service request of the same type is routed as always.
    expect(b.send(crm('S1', 'OPENED', 1, { serviceCode: 'GRASS', requestKind: 'SERVICE' })).commands).toHaveLength(1);
  });
});
