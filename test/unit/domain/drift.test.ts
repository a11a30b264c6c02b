import { beforeAll, describe, expect, it } from 'vitest';
import {
  RECONCILE_ORIGIN,
  classifyDrift,
  type Policy,
  type TicketState,
  type WorkOrderEvent,
} from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

let policy: Policy;
let open: TicketState;
let twoOrders: TicketState;
let closed: TicketState;
beforeAll(async () => {
  policy = await testPolicy();
  const b = new Bridge(policy);
  b.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
  open = b.ticket('T1'); // v2: ROUTED, then ACCEPTED
  b.send(crm('T2', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(dept('T2', 'T2#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
  b.send(dept('T2', 'T2#2', 'posse', 'INTAKE_ACCEPTED', 3, { department: 'housing' }));
  twoOrders = b.ticket('T2');
  b.send(crm('T3', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  b.send(dept('T3', 'T3#1', 'maximo', 'COMP', 2, { department: 'transportation' }));
  closed = b.ticket('T3');
});

const seen = (t: TicketState, workOrderId: string, system: string, rawStatus: string): WorkOrderEvent => {
  const e = dept(t.ticketId, workOrderId, system, rawStatus, 0, {}, { sequence: null, origin: RECONCILE_ORIGIN });
  if (e.type !== 'dept') throw new Error('dept');
  return e.event;
};
const none = new Map<string, WorkOrderEvent | null>();
const kinds = (f: readonly { kind: string }[]) => f.map((x) => x.kind);

describe('classifyDrift', () => {
  it('finds nothing when the CRM and the department agree with the bridge', () => {
    expect(open.version).toBe(2);
    const obs = {
      crm: { status: 'open' as const, statusVersion: 2 },
      workOrders: new Map([['T1#1', seen(open, 'T1#1', 'maximo', 'APPR')]]),
    };
    expect(classifyDrift(open, obs, policy)).toEqual([]);
  });

  it('CRM_MISSING when the CRM does not know the ticket', () => {
    const [f] = classifyDrift(open, { crm: null, workOrders: none }, policy);
    expect(f).toMatchObject({ kind: 'CRM_MISSING', department: 'transportation', crmVersion: null });
  });

  it('CRM_BEHIND when the CRM shows an older version, open or closed', () => {
    const f = classifyDrift(closed, { crm: { status: 'open', statusVersion: 1 }, workOrders: none }, policy);
    expect(f).toEqual([
      expect.objectContaining({
        kind: 'CRM_BEHIND',
        crmVersion: 1,
        bridgeVersion: closed.version,
        driftId: 'CRM_BEHIND:T3:1',
      }),
    ]);
  });

  it('CRM_CLOSED_BY_HAND when closed at the version the bridge sent as open', () => {
    const f = classifyDrift(open, { crm: { status: 'closed', statusVersion: 2 }, workOrders: none }, policy);
    expect(f).toEqual([
      expect.objectContaining({ kind: 'CRM_CLOSED_BY_HAND', bridgeState: 'ACCEPTED', observedState: 'closed' }),
    ]);
  });

  it('no CLOSED_BY_HAND for a ticket the bridge closed, nor for a CRM behind', () => {
    expect(
      classifyDrift(closed, { crm: { status: 'closed', statusVersion: closed.version }, workOrders: none }, policy),
    ).toEqual([]);
    expect(
      kinds(classifyDrift(open, { crm: { status: 'closed', statusVersion: 1 }, workOrders: none }, policy)),
    ).toEqual(['CRM_BEHIND']);
  });

  it('CRM_AHEAD when the CRM holds a version above the bridge, saying what it shows', () => {
    const f = classifyDrift(open, { crm: { status: 'open', statusVersion: 5 }, workOrders: none }, policy);
    expect(f).toEqual([
      expect.objectContaining({
        kind: 'CRM_AHEAD',
        ticketId: 'T1',
        crmVersion: 5,
        bridgeVersion: 2,
        bridgeState: 'ACCEPTED',
        observedState: 'open',
        department: 'transportation',
        driftId: 'CRM_AHEAD:T1:5',
      }),
    ]);
    expect(f[0]?.detail).toBe(
      "the CRM shows status v5 (open), above v2 the bridge holds as sent (ACCEPTED): it would take the bridge's next statuses as repeats",
    );
    // Closed in the CRM while the bridge holds it open (or the other way): said, still CRM_AHEAD.
    const [shut] = classifyDrift(open, { crm: { status: 'closed', statusVersion: 3 }, workOrders: none }, policy);
    expect(shut).toMatchObject({ kind: 'CRM_AHEAD', observedState: 'closed' });
    expect(shut?.detail).toContain('v3 (closed, not open as the bridge holds it)');
    const [reopened] = classifyDrift(closed, { crm: { status: 'open', statusVersion: 9 }, workOrders: none }, policy);
    expect(reopened?.detail).toContain('v9 (open, not closed as the bridge holds it)');
  });

  it('CRM_AHEAD of a ticket only imported (version below 0) once the CRM applied any version, not before', () => {
    const imported = { ...open, version: -999_999_998 };
    expect(classifyDrift(imported, { crm: { status: 'open', statusVersion: 0 }, workOrders: none }, policy)).toEqual(
      [],
    );
    expect(
      kinds(classifyDrift(imported, { crm: { status: 'open', statusVersion: 1 }, workOrders: none }, policy)),
    ).toEqual(['CRM_AHEAD']);
  });

  it('DEPT_AHEAD for a mapped state further along, carrying the observation to feed', () => {
    const obs = seen(open, 'T1#1', 'maximo', 'INPRG');
    const [f] = classifyDrift(open, { workOrders: new Map([['T1#1', obs]]) }, policy);
    expect(f).toMatchObject({
      kind: 'DEPT_AHEAD',
      workOrderId: 'T1#1',
      department: 'transportation',
      bridgeState: 'ACCEPTED',
      observedState: 'IN_PROGRESS',
      rawStatus: 'INPRG',
      observation: obs,
    });
  });

  it('no DEPT_AHEAD for a state behind, an unmapped code, or a work order not asked about', () => {
    const behind = new Map([['T1#1', seen(open, 'T1#1', 'maximo', 'WAPPR')]]);
    const unmapped = new Map([['T1#1', seen(open, 'T1#1', 'maximo', 'NOPE')]]);
    expect(classifyDrift(open, { workOrders: behind }, policy)).toEqual([]);
    expect(classifyDrift(open, { workOrders: unmapped }, policy)).toEqual([]);
    expect(classifyDrift(open, { workOrders: none }, policy)).toEqual([]);
  });

  it('DEPT_MISSING for an open work order its department does not know, per work order', () => {
    const obs = new Map<string, WorkOrderEvent | null>([
      ['T2#1', null],
      ['T2#2', seen(twoOrders, 'T2#2', 'posse', 'INSPECTION_STARTED')],
    ]);
    const f = classifyDrift(
      twoOrders,
      { crm: { status: 'open', statusVersion: twoOrders.version }, workOrders: obs },
      policy,
    );
    expect(f.map((x) => [x.kind, x.workOrderId, x.department])).toEqual([
      ['DEPT_MISSING', 'T2#1', 'transportation'],
      ['DEPT_AHEAD', 'T2#2', 'housing'],
    ]);
  });

  it('no DEPT_MISSING for a work order its department never acknowledged: its creation may be on its way', async () => {
    const b = new Bridge(policy);
    b.send(crm('T4', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const routed = b.ticket('T4');
    const [wo] = routed.workOrders;
    expect(wo?.state).toBe('REQUESTED');
    const obs = new Map<string, WorkOrderEvent | null>([[wo?.workOrderId ?? '', null]]);
    expect(classifyDrift(routed, { workOrders: obs }, policy)).toEqual([]);
  });

  it('no department finding for a work order the bridge holds terminal', () => {
    const obs = new Map<string, WorkOrderEvent | null>([['T3#1', null]]);
    expect(classifyDrift(closed, { workOrders: obs }, policy)).toEqual([]);
  });

  it('DEPT_MISSING, nothing to feed, for an observation the department links to another ticket or work order', () => {
    const elsewhere = { ...seen(open, 'T1#1', 'maximo', 'INPRG'), ticketId: 'T9' };
    const renamed = { ...seen(open, 'T1#1', 'maximo', 'INPRG'), workOrderId: 'T9#4' };
    for (const [observed, other] of [
      [elsewhere, 'ticket T9, work order T1#1'],
      [renamed, 'ticket T1, work order T9#4'],
    ] as const) {
      const found = classifyDrift(open, { workOrders: new Map([['T1#1', observed]]) }, policy);
      expect(found).toMatchObject([
        { kind: 'DEPT_MISSING', workOrderId: 'T1#1', driftId: 'DEPT_MISSING:T1:T1#1', observation: null },
      ]);
      expect(found[0]?.detail).toContain(`links it to ${other}`);
    }
  });
});
