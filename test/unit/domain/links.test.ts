import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { decide, type TicketState } from '../../../src/domain/index.ts';
import { stateFromRecord, stateToRecord } from '../../../src/processor/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const stateType = avro.Type.forSchema(
  JSON.parse(readFileSync('schemas/bridge.ticket-state.v1.avsc', 'utf8')) as avro.Schema,
);

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

describe('rule 4: duplicates are links, not closures', () => {
  it.each([
    ['no parent', null, 'MISSING_PARENT'],
    ['itself as parent', 'D', 'MISSING_PARENT'],
    ['an unknown parent', 'NOPE', 'UNKNOWN_PARENT'],
  ])('records a duplicate naming %s as a violation, and handles the ticket on its own', (_name, parent, kind) => {
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: parent }));
    expect(bridge.violationsOf('D').map((v) => v.kind)).toEqual([kind]);
    // Which link failed and whose ticket it is, for the duplicate-coverage KPI.
    expect(bridge.violationsOf('D')[0]).toMatchObject({ linkType: 'DUPLICATE', department: 'transportation' });
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED', duplicateOf: null });
  });

  it('routes a ticket opened as a duplicate of an unknown parent, so the report is not lost', () => {
    const d = bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'NOPE' }));
    expect(d.commands).toEqual([]);
    expect(bridge.violationsOf('D').map((v) => v.kind)).toEqual(['UNKNOWN_PARENT']);
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => c.kind)).toEqual(['CREATE']);
  });

  it('refuses a parent that is itself a duplicate', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('Q', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'Q' }));
    expect(bridge.violationsOf('D')).toMatchObject([{ kind: 'PARENT_IS_DUPLICATE' }]);
    expect(bridge.violationsOf('D')[0]?.detail).toContain('#Q is itself a duplicate of #P');
  });

  it('mirrors the parent until it resolves, then resolves every duplicate with reason DUPLICATE', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const declared = bridge.send(crm('D1', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    expect(declared.statuses).toEqual([]);
    // Once the parent confirms, D1's own work order is withdrawn.
    expect(bridge.commands.filter((c) => c.ticketId === 'D1').map((c) => [c.kind, c.reason])).toEqual([
      ['CREATE', null],
      ['CANCEL', 'DUPLICATE'],
    ]);
    bridge.send(crm('D2', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    expect(bridge.lastStatus('D2')).toMatchObject({
      crmStatus: 'OPEN',
      lifecycleState: 'DUPLICATE',
      duplicateOf: 'P',
      statusNote: 'Duplicate of #P — Sent to transportation.',
    });

    const due = Date.UTC(2026, 10, 30);
    bridge.send(dept('P', 'P#1', 'maximo', 'INPRG', 10, { department: 'transportation', expectedAt: due }));
    expect(bridge.lastStatus('D2')).toMatchObject({
      statusNote: 'Duplicate of #P — transportation is working on it.',
      expectedAt: due,
    });
    bridge.send(dept('D1', 'D1#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('D1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'DUPLICATE' });

    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 11, { department: 'transportation', note: 'Patched.' }));
    expect(bridge.lastStatus('P')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
    for (const id of ['D1', 'D2']) {
      expect(bridge.lastStatus(id)).toMatchObject({
        crmStatus: 'CLOSED',
        lifecycleState: 'RESOLVED',
        closureReason: 'DUPLICATE',
        duplicateOf: 'P',
        closureNote: bridge.lastStatus('P').statusNote,
      });
    }
    expect(
      bridge
        .ticket('P')
        .children.map((c) => c.ticketId)
        .sort(),
    ).toEqual(['D1', 'D2']);
  });

  it('keeps a duplicate open while its own work order is not yet withdrawn, even after the parent resolves', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 11));
    expect(bridge.lastStatus('D').crmStatus).toBe('OPEN');
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 12));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'DUPLICATE' });
  });

  it('withdraws a job the department opens on its own for a duplicate already linked', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 10));
    // A second crew's job for the duplicate, after the parent took it: the parent's work covers it.
    // Maximo publishes a job its department opened itself under its own id, <site>/<wonum>.
    bridge.send(dept('D', 'DOT/1002', 'maximo', 'INPRG', 11, { department: 'transportation' }));
    expect(
      bridge.commands.filter((c) => c.ticketId === 'D').map((c) => [c.kind, c.workOrderId, c.reason, c.note]),
    ).toEqual([
      ['CREATE', 'D#1', null, null],
      ['CANCEL', 'D#1', 'DUPLICATE', 'Duplicate of #P.'],
      ['CANCEL', 'DOT/1002', 'DUPLICATE', 'Duplicate of #P.'],
    ]);
    // Asked once: its next event is no new job.
    bridge.send(dept('D', 'DOT/1002', 'maximo', 'INPRG', 12, { department: 'transportation' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'D')).toHaveLength(3);
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 13));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'DUPLICATE' });
    bridge.send(dept('D', 'DOT/1002', 'maximo', 'CAN', 14));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'DUPLICATE' });
    // While the CRM's correction to a follow-up is asked and unanswered, a new job is left alone.
    bridge.send(crm('P2', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('E', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P2' }));
    const asked = bridge.step(crm('E', 'UPDATED', 2, { followUpOf: 'P2' }));
    expect(asked.links.map((l) => [l.kind, l.linkType])).toEqual([['LINK_REQUEST', 'FOLLOW_UP']]);
    bridge.send(dept('E', 'DOT/1009', 'maximo', 'INPRG', 16, { department: 'transportation' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'E')).toEqual([]);
    // A follow-up keeps work of its own: only a duplicate's is covered by its parent's.
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P' }));
    bridge.send(dept('F', 'DOT/1011', 'maximo', 'INPRG', 15, { department: 'transportation' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'F' && c.kind === 'CANCEL')).toEqual([]);
  });
});

describe("a duplicate's parent corrected", () => {
  it('does not ask the work withdrawn at the first link withdrawn again when the new parent takes it', () => {
    for (const id of ['P1', 'P2', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'INPRG', 5, { department: 'transportation' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.send(crm('D', 'UPDATED', 3, { duplicateOf: 'P2' }));
    expect(bridge.ticket('D').parent).toMatchObject({ ticketId: 'P2', accepted: true });
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => [c.kind, c.note])).toEqual([
      ['CREATE', null],
      ['CANCEL', 'Duplicate of #P1.'],
    ]);
  });

  it('keeps the accepted link until the new parent answers, then mirrors it, and the old parent lets go', () => {
    for (const id of ['P1', 'P2', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({ lifecycleState: 'DUPLICATE', duplicateOf: 'P1' });

    const relinked = bridge.send(crm('D', 'UPDATED', 3, { duplicateOf: 'P2' }));
    // Until P2 answers, nothing new is published and nothing is out of place.
    expect(relinked.statuses).toEqual([]);
    expect(relinked.violations).toEqual([]);
    expect(bridge.statusesOf('D').map((s) => s.lifecycleState)).not.toContain('NEW');
    expect(bridge.violationsOf('D')).toEqual([]);
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'DUPLICATE', duplicateOf: 'P2' });
    expect(bridge.ticket('P1').children).toEqual([]);
    expect(bridge.ticket('P2').children).toEqual([{ ticketId: 'D', linkType: 'DUPLICATE' }]);

    // The old parent's news is no longer the duplicate's; the new one's is.
    bridge.send(dept('P1', 'P1#1', 'maximo', 'COMP', 11, { department: 'transportation' }));
    expect(bridge.lastStatus('D').crmStatus).toBe('OPEN');
    bridge.send(dept('P2', 'P2#1', 'maximo', 'COMP', 11, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P2',
    });
    // Its own work order was withdrawn once, when it first became a duplicate.
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => c.kind)).toEqual(['CREATE', 'CANCEL']);
  });

  it('stays with the parent it has while the correction is unanswered, and when it is refused', () => {
    for (const id of ['P1', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    const before = bridge.statusesOf('D').length;
    bridge.send(crm('D', 'UPDATED', 3, { duplicateOf: 'GONE' }));
    expect(bridge.violationsOf('D').map((v) => v.kind)).toEqual(['UNKNOWN_PARENT']);
    expect(bridge.statusesOf('D')).toHaveLength(before);
    expect(bridge.ticket('D').parent).toMatchObject({ ticketId: 'P1', accepted: true });
    expect(bridge.ticket('P1').children).toEqual([{ ticketId: 'D', linkType: 'DUPLICATE' }]);
    bridge.send(dept('P1', 'P1#1', 'maximo', 'COMP', 11));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 12));
    expect(bridge.lastStatus('D')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P1',
    });
  });

  it('keeps the correction asked in the state changelog, so a restart waits for the same answer', () => {
    for (const id of ['P1', 'P2', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    const d = decide(bridge.ticket('D'), crm('D', 'UPDATED', 3, { duplicateOf: 'P2' }), {
      policy: bridge.policy,
      now: bridge.now,
    });
    expect(d.links.map((l) => [l.ticketId, l.kind])).toEqual([['P2', 'LINK_REQUEST']]);
    const state = d.state as TicketState;
    const bytes = stateType.toBuffer(stateToRecord(state));
    const restored = stateFromRecord(stateType.fromBuffer(bytes) as Record<string, unknown>);
    expect(restored.parent).toMatchObject({ ticketId: 'P1', accepted: true, pendingTicketId: 'P2' });
  });
});

describe('a linked ticket the CRM cancels', () => {
  it('closes a duplicate with the CRM reason once its own work order is withdrawn, and keeps it closed', () => {
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    bridge.send(crm('D', 'CANCELLED', 3, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'DUPLICATE' });
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 4));
    expect(bridge.lastStatus('D')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident withdrew.',
      statusNote: expect.stringMatching(/^Cancelled: cancelled at the requester.s request\b.*Resident withdrew\./),
    });
    const sent = bridge.statusesOf('D').length;
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 11));
    expect(bridge.statusesOf('D')).toHaveLength(sent);
  });

  it('closes a follow-up with the CRM reason at once, the original going on', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    bridge.send(crm('F', 'CANCELLED', 2, { closureReason: 'NO_ACTION_REQUIRED' }));
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'NO_ACTION_REQUIRED' });
    expect(bridge.lastStatus('O')).toMatchObject({ crmStatus: 'OPEN' });
  });
});

describe('rule 5: follow-ups link to the original', () => {
  it('adds a note and raises the priority of an open original', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    expect(bridge.ticket('O').priority).toBe(2);
    expect(bridge.commands.filter((c) => c.ticketId === 'O').map((c) => [c.kind, c.priority])).toEqual([
      ['CREATE', 3],
      ['UPDATE_PRIORITY', 2],
    ]);
    expect(bridge.lastStatus('O')).toMatchObject({ priority: 2, version: 2 });
    expect(bridge.lastStatus('F')).toMatchObject({
      crmStatus: 'OPEN',
      followUpOf: 'O',
      statusNote: 'Follow-up of #O — Sent to transportation.',
    });
    // The follow-up itself is not routed a second time.
    expect(bridge.commands.filter((c) => c.ticketId === 'F')).toEqual([]);
  });

  it('reopens a resolved original when the department says the work is not done', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 10, { department: 'transportation' }));
    expect(bridge.lastStatus('O').crmStatus).toBe('CLOSED');

    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'O').map((c) => c.kind)).toEqual(['CREATE', 'REVIEW']);
    expect(bridge.lastStatus('O').crmStatus).toBe('CLOSED');
    expect(bridge.lastStatus('F').crmStatus).toBe('OPEN');
    // Open while the original's work is reviewed: the original's "Resolved" alone would read as
    // this request's being done too.
    expect(bridge.lastStatus('F').statusNote).toBe(
      `Follow-up of #O, open while the work is reviewed (#O: ${bridge.lastStatus('O').statusNote})`,
    );
    expect(bridge.lastStatus('F').statusNote).toMatch(/\(#O: Resolved by /);

    bridge.send(dept('O', 'O#1', 'maximo', 'INPRG', 11, { department: 'transportation' }));
    expect(bridge.lastStatus('O')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'REOPENED' });
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 12, { department: 'transportation' }));
    expect(bridge.lastStatus('O')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP', followUpOf: 'O' });
    expect(bridge.statusesOf('O').map((s) => s.version)).toEqual([1, 2, 3, 4]);
  });

  it('closes the follow-up when the review confirms the work was done, without reopening', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 10));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    const statusesOfO = bridge.statusesOf('O').length;
    bridge.send(dept('O', 'O#1', 'maximo', 'CLOSE', 11));
    expect(bridge.statusesOf('O').length).toBe(statusesOfO);
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP' });
  });

  it('takes a follow-up link the CRM names after the ticket opened, as it takes a duplicate one', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'UPDATED', 2, { followUpOf: 'O' }));
    expect(bridge.ticket('O').priority).toBe(2);
    expect(bridge.commands.filter((c) => c.ticketId === 'O').map((c) => c.kind)).toEqual(['CREATE', 'UPDATE_PRIORITY']);
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'OPEN', followUpOf: 'O' });
    // Its own work order goes on (a follow-up may ask for more), and the same link again is no change.
    expect(bridge.commands.filter((c) => c.ticketId === 'F').map((c) => c.kind)).toEqual(['CREATE']);
    bridge.send(crm('F', 'UPDATED', 3, { followUpOf: 'O', note: 'Called again.' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'O').map((c) => c.kind)).toEqual(['CREATE', 'UPDATE_PRIORITY']);
    // Closed with the original once its own work is done too.
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 10));
    expect(bridge.lastStatus('F').crmStatus).toBe('OPEN');
    bridge.send(dept('F', 'F#1', 'maximo', 'COMP', 11));
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP', followUpOf: 'O' });
  });

  it('records a follow-up link named after opening to an unknown original, and keeps the ticket on its own', () => {
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'UPDATED', 2, { followUpOf: 'GONE' }));
    expect(bridge.violationsOf('F').map((v) => v.kind)).toEqual(['UNKNOWN_ORIGINAL']);
    expect(bridge.lastStatus('F')).toMatchObject({ lifecycleState: 'ROUTED', followUpOf: null });
  });

  it('routes a follow-up of an unknown original as a request of its own', () => {
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'GONE' }));
    expect(bridge.violationsOf('F').map((v) => v.kind)).toEqual(['UNKNOWN_ORIGINAL']);
    expect(bridge.lastStatus('F')).toMatchObject({ lifecycleState: 'ROUTED', followUpOf: null });
  });
});
