import { beforeEach, describe, expect, it } from 'vitest';
import { decide, isExpired, TICKET_TRANSITIONS, WORK_ORDER_TRANSITIONS } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

describe('rule 6: order and idempotency', () => {
  it('treats a repeated eventId as a no-op', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const event = dept('T1', 'T1#1', 'maximo', 'INPRG', 10);
    bridge.send(event);
    const state = bridge.ticket('T1');
    const again = bridge.send(event);
    expect(again).toMatchObject({ statuses: [], commands: [], links: [], violations: [], stateChanged: false });
    expect(bridge.ticket('T1')).toBe(state);
  });

  it('never regresses on a late "scheduled" after "completed", and records it', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 10));
    const late = bridge.send(dept('T1', 'T1#1', 'maximo', 'WSCH', 9));
    expect(late.statuses).toEqual([]);
    expect(late.violations.map((v) => v.kind)).toEqual(['STALE_EVENT']);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
  });

  it('keeps a terminal work order terminal when a newer event tries to move it without a follow-up', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 10));
    const d = bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 11));
    expect(d.statuses).toEqual([]);
    expect(d.violations.map((v) => v.kind)).toEqual(['TERMINAL_REGRESSION']);
  });

  it('orders by occurredAt where the source has no sequence', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'INPRG', 0, {}, { sequence: null, occurredAt: 2_000 }));
    const older = bridge.send(dept('T1', 'T1#1', 'maximo', 'APPR', 0, {}, { sequence: null, occurredAt: 1_000 }));
    expect(older.violations.map((v) => v.kind)).toEqual(['STALE_EVENT']);
  });

  it('records a stale CRM event without applying it', () => {
    bridge.send(crm('T1', 'OPENED', 5, { serviceCode: 'POTHOLE' }));
    const d = bridge.send(crm('T1', 'CANCELLED', 4, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    expect(d.violations.map((v) => v.kind)).toEqual(['STALE_EVENT']);
    expect(d.commands).toEqual([]);
  });

  it('ignores the echo of its own writes', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const echo = bridge.send(crm('T1', 'UPDATED', 2, { note: 'status set by bridge' }, { origin: 'closeloop' }));
    expect(echo).toMatchObject({ statuses: [], commands: [], violations: [], stateChanged: false });
  });

  it('records events for tickets it does not know', () => {
    expect(bridge.send(dept('X', 'X#1', 'maximo', 'INPRG', 1)).violations.map((v) => v.kind)).toEqual([
      'UNKNOWN_TICKET',
    ]);
    expect(bridge.tickets.has('X')).toBe(false);
  });

  it('produces identical outputs when the same input is decided twice (replay after a crash)', async () => {
    const policy = await testPolicy();
    const opened = crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const now = opened.event.envelope.occurredAt;
    const a = decide(null, opened, { policy, now });
    const b = decide(null, opened, { policy, now });
    expect(a).toEqual(b);
    expect(a.commands[0]?.commandId).toBe(`${opened.event.envelope.eventId}/command-create-1`);
  });
});

describe('rule 7: versions', () => {
  it('numbers every status of a ticket 1, 2, 3 … with no gaps or repeats', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    for (const [i, code] of ['APPR', 'WSCH', 'WMATL', 'INPRG', 'INPRG', 'COMP'].entries()) {
      bridge.send(dept('T1', 'T1#1', 'maximo', code, 10 + i));
    }
    const versions = bridge.statusesOf('T1').map((s) => s.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(bridge.ticket('T1').version).toBe(versions.length);
  });
});

describe('misroutes', () => {
  it('re-routes a "not ours" to the next department and counts it', async () => {
    const policy = await testPolicy();
    const b = new Bridge({
      ...policy,
      routing: {
        ...policy.routing,
        DUMPING: [
          { department: 'housing', system: 'posse' },
          { department: 'solid-waste', system: 'maximo' },
        ],
      },
    });
    b.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    const d = b.send(dept('T1', 'T1#1', 'posse', 'NOT_OURS', 10, { department: 'housing' }));
    expect(d.violations.map((v) => v.kind)).toEqual(['MISROUTE']);
    expect(d.commands).toMatchObject([{ kind: 'CREATE', department: 'solid-waste', workOrderId: 'T1#2' }]);
    expect(b.lastStatus('T1')).toMatchObject({
      crmStatus: 'OPEN',
      lifecycleState: 'ROUTED',
      agencyResponsible: 'solid-waste',
    });
  });

  const housingFirst = async () => {
    const policy = await testPolicy();
    const routes = [
      { department: 'housing', system: 'posse' },
      { department: 'solid-waste', system: 'maximo' },
    ];
    return new Bridge({ ...policy, routing: { ...policy.routing, DUMPING: routes } });
  };
  const sentTo = (b: Bridge, id: string) =>
    b.commands.filter((c) => c.ticketId === id).map((c) => `${c.kind} ${c.department}`);

  it('sends a ticket the CRM cancelled nowhere else when a department answers the cancel "not ours"', async () => {
    const b = await housingFirst();
    b.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    b.send(crm('T1', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Resident withdrew.' }));
    b.send(dept('T1', 'T1#1', 'posse', 'NOT_OURS', 10, { department: 'housing' }));
    expect(sentTo(b, 'T1')).toEqual(['CREATE housing', 'CANCEL housing']);
    // Still a misroute, counted against the department, and the record says why it went nowhere.
    expect(b.violationsOf('T1')).toMatchObject([{ kind: 'MISROUTE', department: 'housing' }]);
    expect(b.violationsOf('T1')[0]?.detail).toContain('not re-routed');
    expect(b.lastStatus('T1')).toMatchObject({
      crmStatus: 'CLOSED',
      lifecycleState: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      closureNote: 'Resident withdrew.',
    });
  });

  it('sends a duplicate nowhere else when its withdrawn work order is answered "not ours"', async () => {
    const b = await housingFirst();
    b.send(crm('P', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    b.send(crm('D', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    b.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P' }));
    b.send(dept('D', 'D#1', 'posse', 'NOT_OURS', 10, { department: 'housing' }));
    expect(sentTo(b, 'D')).toEqual(['CREATE housing', 'CANCEL housing']);
    expect(b.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'DUPLICATE', duplicateOf: 'P' });
    b.send(dept('P', 'P#1', 'posse', 'ABATED', 11, { department: 'housing' }));
    expect(b.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'DUPLICATE', duplicateOf: 'P' });
  });

  it('sends a resolved ticket nowhere else when a work order opened on it is answered "not ours"', async () => {
    const b = await housingFirst();
    b.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    b.send(dept('T1', 'T1#1', 'posse', 'ABATED', 10, { department: 'housing' }));
    const closed = b.lastStatus('T1');
    b.send(dept('T1', 'T1#crew2', 'posse', 'NOT_OURS', 11, { department: 'housing' }));
    expect(sentTo(b, 'T1')).toEqual(['CREATE housing']);
    expect(b.violationsOf('T1').map((v) => v.kind)).toEqual(['MISROUTE']);
    expect(b.lastStatus('T1')).toEqual(closed);
  });

  it('names the next work order with a number no job of the ticket holds, one a department named included', async () => {
    const b = await housingFirst();
    b.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    // Housing numbers a crew job of its own the way the bridge numbers its orders, skipping one.
    b.send(dept('T1', 'T1#3', 'posse', 'INSPECTOR_ASSIGNED', 10, { department: 'housing' }));
    const d = b.send(dept('T1', 'T1#1', 'posse', 'NOT_OURS', 11, { department: 'housing' }));
    expect(d.commands).toMatchObject([{ kind: 'CREATE', department: 'solid-waste', workOrderId: 'T1#4' }]);
    const held = b.ticket('T1').workOrders.map((w) => `${w.workOrderId} ${w.department} ${w.state}`);
    expect(held).toEqual(['T1#1 housing REJECTED', 'T1#3 housing ASSIGNED', 'T1#4 solid-waste REQUESTED']);
  });

  it('returns the ticket to 311 when no department is left', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(dept('T1', 'T1#1', 'posse', 'NOT_OURS', 10, { department: 'housing' }));
    expect(bridge.violationsOf('T1').map((v) => v.kind)).toEqual(['MISROUTE', 'UNROUTABLE']);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'NEW' });
    expect(bridge.lastStatus('T1').statusNote).toBe('Being re-routed by 311: housing reported it is not theirs.');
  });

  it('keeps an unknown service code open as NEW and records it', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'UFO' }));
    expect(bridge.violationsOf('T1').map((v) => v.kind)).toEqual(['UNROUTABLE']);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'NEW' });
  });
});

describe('transition tables and retention', () => {
  it('makes terminal work-order states sticky', () => {
    for (const s of ['COMPLETED', 'CANCELLED', 'REJECTED'] as const) expect(WORK_ORDER_TRANSITIONS[s]).toEqual([]);
  });

  it('lets a resolved ticket out only through REOPENED, and a cancelled one never', () => {
    expect(TICKET_TRANSITIONS.RESOLVED).toEqual(['REOPENED']);
    expect(TICKET_TRANSITIONS.CANCELLED).toEqual([]);
  });

  it('expires closed tickets after the retention window only', () => {
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T1', 'T1#1', 'maximo', 'COMP', 10));
    const t = bridge.ticket('T1');
    const week = 7 * 86_400_000;
    expect(isExpired(t, bridge.now + week - 1, week)).toBe(false);
    expect(isExpired(t, bridge.now + week, week)).toBe(true);
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(isExpired(bridge.ticket('O'), bridge.now + week * 10, week)).toBe(false);
  });
});
