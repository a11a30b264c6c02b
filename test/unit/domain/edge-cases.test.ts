import { beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

const kinds = (id: string) => bridge.violationsOf(id).map((v) => v.kind);
const commandsOf = (id: string) => bridge.commands.filter((c) => c.ticketId === id).map((c) => c.kind);

describe('link cycles', () => {
  it('refuses a duplicate pointing back at its own follow-up, and cancels nobody', () => {
    bridge.send(crm('B', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('A', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'B' }));
    bridge.send(crm('B', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'A' }));
    expect(kinds('B')).toEqual(['PARENT_IS_DUPLICATE']);
    expect(commandsOf('B')).not.toContain('CANCEL');
    expect(bridge.lastStatus('B')).toMatchObject({ crmStatus: 'OPEN', duplicateOf: null });
    expect(bridge.statusesOf('A').length).toBeLessThan(5);
  });

  it('refuses two tickets declared duplicates of each other before either link arrives', () => {
    bridge.send(crm('X', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('Y', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    // Both requests are in flight before either is answered.
    const toY = decide(bridge.ticket('X'), crm('X', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'Y' }), {
      policy: bridge.policy,
      now: 1,
    });
    const toX = decide(bridge.ticket('Y'), crm('Y', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'X' }), {
      policy: bridge.policy,
      now: 1,
    });
    if (!toY.state || !toX.state) throw new Error('no state');
    bridge.tickets.set('X', toY.state);
    bridge.tickets.set('Y', toX.state);
    for (const link of [...toY.links, ...toX.links]) bridge.send({ type: 'link', event: link });
    // X's request reaches Y while Y is asking too: refused, X is on its own again. Y's request
    // then finds X free and is accepted. No cycle, and the work survives on one side.
    expect(kinds('X')).toEqual(['PARENT_IS_DUPLICATE']);
    expect(bridge.lastStatus('X')).toMatchObject({ duplicateOf: null, crmStatus: 'OPEN' });
    expect(bridge.lastStatus('Y')).toMatchObject({ duplicateOf: 'X', lifecycleState: 'DUPLICATE' });
    expect(commandsOf('X')).toEqual(['CREATE']);
    expect(commandsOf('Y')).toEqual(['CREATE', 'CANCEL']);
  });
});

describe('a cancelled parent', () => {
  it('releases its duplicates to be handled on their own instead of closing them', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    expect(bridge.lastStatus('P')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'CANCELLED' });
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED', duplicateOf: null });
    expect(commandsOf('D')).toEqual(['CREATE', 'CANCEL', 'CREATE']);
  });

  it('sends a released duplicate again when its own work order, asked withdrawn, has not ended yet', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    expect(commandsOf('D')).toEqual(['CREATE', 'CANCEL', 'CREATE']);
    // The withdrawal the bridge asked for lands after: no fault of the department, nothing stops.
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 4, { department: 'transportation' }));
    expect(kinds('D')).toEqual([]);
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED', duplicateOf: null });
    bridge.send(dept('D', 'D#2', 'maximo', 'COMP', 5, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
  });

  it('closes a released follow-up whose own work is done with that work, sending it nowhere again', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'UPDATED', 2, { followUpOf: 'P' }));
    bridge.send(dept('F', 'F#1', 'maximo', 'COMP', 10, { department: 'transportation', note: 'Filled.' }));
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'OPEN', followUpOf: 'P' });
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 11, { department: 'transportation' }));
    expect(commandsOf('F')).toEqual(['CREATE']);
    expect(bridge.ticket('F').workOrders.map((w) => w.state)).toEqual(['COMPLETED']);
    expect(bridge.lastStatus('F')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'RESOLVED',
      closureReason: 'WORK_COMPLETED',
      followUpOf: null,
      closureNote: 'Filled.',
    });
  });

  it('leaves a released follow-up with open work of its own with that work', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'UPDATED', 2, { followUpOf: 'P' }));
    bridge.send(dept('F', 'F#1', 'maximo', 'INPRG', 10, { department: 'transportation' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 11, { department: 'transportation' }));
    expect(commandsOf('F')).toEqual(['CREATE']);
    expect(bridge.lastStatus('F')).toMatchObject({
      crmStatus: 'OPEN',
      lifecycleState: 'IN_PROGRESS',
      followUpOf: null,
    });
  });

  it('sends a released duplicate whose withdrawn work was completed nowhere again: it closes with that work', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    // The crew finished before the withdrawal reached it.
    bridge.send(dept('D', 'D#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 4, { department: 'transportation' }));
    expect(commandsOf('D')).toEqual(['CREATE', 'CANCEL']);
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
  });

  it('takes no new duplicates', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 3));
    expect(bridge.lastStatus('P').lifecycleState).toBe('CANCELLED');
    bridge.send(crm('E', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    expect(kinds('E')).toEqual(['UNKNOWN_PARENT']);
    expect(bridge.lastStatus('E')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED' });
  });
});

describe('closed stays closed', () => {
  it('sends nothing when a department opens new work on a resolved ticket', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'COMP', 2));
    const before = bridge.lastStatus('T');
    const d = bridge.send(dept('T', 'T#crew2', 'maximo', 'INPRG', 3));
    expect(d.statuses).toEqual([]);
    expect(d.violations.map((v) => v.kind)).toEqual(['TERMINAL_REGRESSION']);
    expect(bridge.ticket('T').version).toBe(before.version);
  });

  it('sends a resolved ticket nowhere again when its duplicate link is refused', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'COMP', 10, { department: 'transportation' }));
    const closed = bridge.lastStatus('T');
    expect(closed).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
    bridge.send(crm('T', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'NOPE' }));
    expect(kinds('T')).toEqual(['UNKNOWN_PARENT']);
    expect(commandsOf('T')).toEqual(['CREATE']);
    expect(bridge.ticket('T').workOrders.map((w) => w.state)).toEqual(['COMPLETED']);
    expect(bridge.lastStatus('T')).toEqual(closed);
  });

  it('keeps a resolved duplicate closed when its parent reopens after a follow-up', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 2));
    const closed = bridge.lastStatus('D');
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'INPRG', 3));
    expect(bridge.lastStatus('P').lifecycleState).toBe('REOPENED');
    expect(bridge.lastStatus('D')).toEqual(closed);
  });

  it('refuses a CRM cancellation claiming the work was done or a duplicate', () => {
    for (const reason of ['WORK_COMPLETED', 'DUPLICATE', 'FOLLOW_UP'] as const) {
      const b = new Bridge(bridge.policy);
      b.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
      const d = b.send(crm('T', 'CANCELLED', 2, { closureReason: reason }));
      expect(d.commands).toEqual([]);
      expect(d.violations.map((v) => v.kind)).toEqual(['UNDOCUMENTED_CLOSURE']);
      expect(b.lastStatus('T').crmStatus).toBe('OPEN');
    }
  });
});

describe('follow-ups of resolved tickets always settle', () => {
  it('closes a follow-up at once when the original closed without completed work', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('O', 'O#1', 'posse', 'REFERRED_EXTERNAL', 2));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'GRASS', followUpOf: 'O' }));
    expect(commandsOf('O')).toEqual(['CREATE']);
    expect(bridge.ticket('O').reviewPending).toBeNull();
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP' });
  });

  it('closes the follow-up when the department closes the review without reopening', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 2));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'CAN', 3));
    expect(bridge.ticket('O').reviewPending).toBeNull();
    expect(bridge.lastStatus('O').crmStatus).toBe('CLOSED');
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP' });
  });

  it('closes the follow-up when the review confirms the work, though the original holds a later open work order', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 2, { department: 'transportation', note: 'Pothole patched.' }));
    const shown = bridge.lastStatus('O').statusNote;
    // A second crew order of another division, after the close: kept, the ticket stays resolved.
    bridge.send(dept('O', 'WO-777', 'maximo', 'APPR', 3, { department: 'sanitation' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    expect(bridge.lastStatus('F').crmStatus).toBe('OPEN');
    const statusesOfO = bridge.statusesOf('O').length;
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 4, { department: 'transportation' }));
    expect(bridge.ticket('O').reviewPending).toBeNull();
    expect(bridge.statusesOf('O')).toHaveLength(statusesOfO);
    expect(bridge.ticket('F').parent).toMatchObject({ parentState: 'RESOLVED', parentSettled: true });
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP', followUpOf: 'O' });
    // The note the original shows, not "Resolved by sanitation: closed."
    expect(shown).toBe('Resolved by transportation: the work is done. Pothole patched.');
    expect(bridge.lastStatus('F').closureNote).toBe(shown);
  });
});

describe('bad data never throws', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'treats %s as an unmapped code or system',
    (word) => {
      bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
      expect(bridge.send(dept('T', 'T#1', 'maximo', word, 2)).violations.map((v) => v.kind)).toEqual(['UNMAPPED_CODE']);
      expect(bridge.send(dept('T', 'T#1', word, 'COMP', 3)).violations.map((v) => v.kind)).toEqual(['UNMAPPED_CODE']);
      expect(bridge.send(crm(`S-${word}`, 'OPENED', 1, { serviceCode: word })).violations.map((v) => v.kind)).toEqual([
        'UNROUTABLE',
      ]);
    },
  );

  it('treats a date beyond what can be shown as unknown', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'GRASS' }));
    const d = bridge.send(dept('T', 'T#1', 'posse', 'INSPECTION_SCHEDULED', 2, { expectedAt: 8.7e15 }));
    expect(d.statuses[0]).toMatchObject({ lifecycleState: 'SCHEDULED', expectedAt: null });
  });
});

describe('equal positions', () => {
  it('applies two changes stamped alike in the order they arrived', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'INPRG', 0, {}, { sequence: null, occurredAt: 5_000 }));
    bridge.send(dept('T', 'T#1', 'maximo', 'COMP', 0, {}, { sequence: null, occurredAt: 5_000 }));
    expect(bridge.lastStatus('T')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
  });
});

describe('a work order moved to another department', () => {
  it('answers to the department its events name now: commands, the agency shown, the owner', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('T', 'T#1', 'posse', 'INTAKE_ACCEPTED', 2, { department: 'housing' }));
    bridge.send(dept('T', 'T#1', 'posse', 'INSPECTOR_ASSIGNED', 3, { department: 'code-enforcement' }));
    expect(bridge.ticket('T').workOrders.map((w) => [w.workOrderId, w.department])).toEqual([
      ['T#1', 'code-enforcement'],
    ]);
    expect(bridge.lastStatus('T')).toMatchObject({ lifecycleState: 'ASSIGNED', agencyResponsible: 'code-enforcement' });
    bridge.send(crm('T', 'UPDATED', 2, { note: 'more info' }));
    const note = bridge.commands.filter((c) => c.ticketId === 'T' && c.kind === 'ADD_NOTE');
    expect(note.map((c) => c.department)).toEqual(['code-enforcement']);
  });
});

describe('work completed after the CRM cancelled', () => {
  it('tells the citizen the work was done, not that it was cancelled', () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'INPRG', 2, { department: 'transportation' }));
    bridge.send(crm('T', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    expect(commandsOf('T')).toContain('CANCEL');
    // The crew finished before the cancel reached it.
    bridge.send(dept('T', 'T#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
    const status = bridge.lastStatus('T');
    expect(status).toMatchObject({ lifecycleState: 'RESOLVED', crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
    expect(status.closureNote ?? '').not.toContain('Resident withdrew');
    expect(status.statusNote).not.toContain('cancelled');
  });

  it("keeps the CRM's reason when the department cancelled its work as asked", () => {
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'INPRG', 2, { department: 'transportation' }));
    bridge.send(crm('T', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    bridge.send(dept('T', 'T#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    expect(bridge.lastStatus('T')).toMatchObject({
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident withdrew.',
    });
  });
});

describe('a CRM cancel the department overrode by completing the work', () => {
  it('is not revived when a later follow-up review reopens the work', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 10, { department: 'transportation', note: 'Filled anyway.' }));
    expect(bridge.lastStatus('P')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
    expect(bridge.lastStatus('P').closureNote).toBe('Filled anyway.');
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P', note: 'The hole is back.' }));
    // The department agrees the work is not done and puts a crew back on it.
    bridge.send(dept('P', 'P#1', 'maximo', 'INPRG', 11, { department: 'transportation' }));
    expect(commandsOf('P').filter((k) => k === 'CANCEL')).toHaveLength(1);
    expect(bridge.ticket('P').closureReason).toBeNull();
    expect(bridge.lastStatus('P')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'REOPENED' });
  });
});

describe("a citizen's cancel and a review that reopens, in either order", () => {
  it.each(['cancel-then-review', 'review-then-cancel'])('ends alike: the reopened work is cancelled (%s)', (order) => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 10, { department: 'transportation' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P' }));
    const cancel = () =>
      bridge.send(crm('P', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    const review = () => bridge.send(dept('P', 'P#1', 'maximo', 'INPRG', 11, { department: 'transportation' }));
    if (order === 'cancel-then-review') {
      cancel();
      review();
    } else {
      review();
      cancel();
    }
    expect(bridge.ticket('P')).toMatchObject({
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident withdrew.',
    });
    const cancels = bridge.commands.filter((c) => c.ticketId === 'P' && c.kind === 'CANCEL');
    expect(cancels).toMatchObject([
      { workOrderId: 'P#1', reason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' },
    ]);
    // Open until the department confirms: the close gate waits for the work order to end.
    expect(bridge.lastStatus('P').crmStatus).toBe('OPEN');

    bridge.send(dept('P', 'P#1', 'maximo', 'CAN', 12, { department: 'transportation' }));
    expect(bridge.lastStatus('P')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident withdrew.',
    });
    expect(kinds('P')).toEqual([]);
  });
});
