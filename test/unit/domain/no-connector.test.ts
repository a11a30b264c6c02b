import { describe, expect, it } from 'vitest';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

describe('routes without a connector (NO_CONNECTOR)', () => {
  it('passes over a department no connector serves, records it, and routes to the next one', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    expect(d.violations.map((v) => [v.kind, v.department, v.system])).toEqual([
      ['NO_CONNECTOR', 'solid-waste', 'maximo'],
    ]);
    expect(d.commands.map((c) => [c.kind, c.department, c.system])).toEqual([['CREATE', 'housing', 'posse']]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED' });
  });

  it('sends no command anywhere when no route is served, and keeps the ticket open with 311', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(d.violations.map((v) => v.kind)).toEqual(['NO_CONNECTOR', 'UNROUTABLE']);
    expect(d.commands).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'NEW' });
  });

  it('takes every route as served when the config was loaded without connector checks', async () => {
    const bridge = new Bridge(await testPolicy());
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(d.violations).toEqual([]);
    expect(d.commands.map((c) => c.system)).toEqual(['maximo']);
  });

  it('records a command for a work order no connector takes instead of sending it where nothing reads it', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    // History: the export's work order, of the pseudo-system "import", not yet adopted.
    const history = { origin: 'import', occurredAt: 1_700_000_000_000, eventId: 'I1:opened', sequence: null };
    bridge.send(crm('I1', 'OPENED', 0, { serviceCode: 'GRASS', department: 'Housing' }, history));
    const cancel = bridge.send(crm('I1', 'CANCELLED', 1, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    expect(cancel.commands).toEqual([]);
    expect(cancel.violations.map((v) => [v.kind, v.system, v.workOrderId])).toEqual([
      ['NO_CONNECTOR', 'import', 'I1@import'],
    ]);
    expect(cancel.violations[0]?.detail).toContain('CANCEL for work order I1@import not sent');
    // A department's own work order on a route no sink serves: its notes are recorded, not sent.
    bridge.send(crm('T2', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('T2', 'T2#9', 'maximo', 'APPR', 2, { department: 'transportation' }));
    const note = bridge.send(crm('T2', 'UPDATED', 2, { note: 'gate code 4411' }));
    expect(note.commands.map((c) => [c.kind, c.system, c.department])).toEqual([['ADD_NOTE', 'posse', 'housing']]);
    expect(note.violations.map((v) => [v.kind, v.system, v.department])).toEqual([
      ['NO_CONNECTOR', 'maximo', 'transportation'],
    ]);
  });

  it('refuses a follow-up whose original no connector can review, and sends it to a department itself', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    // Work completed on a work order of a route no sink serves (here: transportation opened its own).
    const resolve = (id: string, housing: string) => {
      bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'GRASS' }));
      bridge.send(dept(id, `${id}#9`, 'maximo', 'COMP', 2, { department: 'transportation' }));
      bridge.send(dept(id, `${id}#1`, 'posse', housing, 3, { department: 'housing' }));
      expect(bridge.lastStatus(id)).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
    };
    resolve('O1', 'WITHDRAWN');
    bridge.send(crm('F1', 'OPENED', 1, { serviceCode: 'GRASS', followUpOf: 'O1' }));
    expect(bridge.ticket('O1')).toMatchObject({ reviewPending: null, children: [] });
    expect(bridge.violationsOf('F1').map((v) => v.kind)).toEqual(['UNKNOWN_ORIGINAL']);
    expect(bridge.commands.filter((c) => c.ticketId === 'F1').map((c) => [c.kind, c.department])).toEqual([
      ['CREATE', 'housing'],
    ]);
    // One review sent is enough to wait for: the link stands.
    resolve('O2', 'ABATED');
    bridge.send(crm('F2', 'OPENED', 1, { serviceCode: 'GRASS', followUpOf: 'O2' }));
    expect(bridge.commands.filter((c) => c.ticketId === 'O2').map((c) => [c.kind, c.department])).toEqual([
      ['CREATE', 'housing'],
      ['REVIEW', 'housing'],
    ]);
    expect(bridge.ticket('O2').reviewPending).toBe('F2');
    expect(bridge.lastStatus('F2')).toMatchObject({ crmStatus: 'OPEN', followUpOf: 'O2' });
  });
});
