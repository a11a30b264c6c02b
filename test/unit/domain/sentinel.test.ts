import { describe, expect, it } from 'vitest';
import {
  decide,
  decideTimers,
  type Decision,
  type InboundEvent,
  type Policy,
  type TicketState,
} from '../../../src/domain/index.ts';
import { seenAt, withWatch } from '../../../src/domain/sentinel/index.ts';
import { anyOverdue, conditionsOf, overdueAt } from '../../../src/domain/sentinel/conditions.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const MIN = 60_000;
const T0 = 1_790_000_000_000;

async function policy(): Promise<Policy> {
  return {
    ...(await testPolicy()),
    sentinel: { stateLimitsMinutes: { ROUTED: 15, NEW: 60 }, statusUnconfirmedMinutes: 5, workOrderSilenceMinutes: 60 },
    accountable: { housing: 'service owner Hana Owner <housing-311-owner@city.example>' },
  };
}

/** One ticket through decide() and the timer sweep, on a clock the test moves. */
class Ticket {
  state: TicketState | null = null;
  readonly alerts: Decision['alerts'][number][] = [];
  readonly policy: Policy;
  constructor(policy: Policy) {
    this.policy = policy;
  }
  send(e: InboundEvent, at: number): Decision {
    return this.#take(decide(this.state, e, { policy: this.policy, now: at }));
  }
  sweep(at: number): Decision {
    if (!this.state) throw new Error('no ticket');
    return this.#take(decideTimers(this.state, { policy: this.policy, now: at }));
  }
  receipt(version: number, at: number): Decision {
    return this.send(
      {
        type: 'receipt',
        event: {
          envelope: {
            eventId: `r-${version}`,
            jurisdiction: 'testville',
            source: 'crm-rest',
            sequence: null,
            occurredAt: at,
            origin: 'closeloop',
            correlationId: null,
          },
          ticketId: 'T1',
          connector: 'crm-rest',
          topic: 'bridge.ticket-status.v1',
          version,
          commandId: null,
          outcome: 'DELIVERED',
        },
      },
      at,
    );
  }
  #take(d: Decision): Decision {
    if (d.state) this.state = d.state;
    this.alerts.push(...d.alerts);
    return d;
  }
}

describe('the stuck-ticket sentinel', () => {
  it('raises STUCK_ROUTED naming the department and its service owner, once, and clears it when the department acknowledges', async () => {
    const t = new Ticket(await policy());
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    t.receipt(1, T0 + MIN);
    expect(t.sweep(T0 + 15 * MIN).alerts).toEqual([]);
    const raised = t.sweep(T0 + 16 * MIN).alerts;
    expect(raised).toMatchObject([
      {
        alertId: 'T1|STUCK_ROUTED|',
        reason: 'STUCK_ROUTED',
        status: 'RAISED',
        ticketId: 'T1',
        department: 'housing',
        accountable: 'service owner Hana Owner <housing-311-owner@city.example>',
        since: T0,
      },
    ]);
    expect(t.sweep(T0 + 20 * MIN).alerts).toEqual([]);
    const moved = t.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing' }),
      T0 + 21 * MIN,
    );
    expect(moved.alerts.map((a) => [a.reason, a.status])).toEqual([['STUCK_ROUTED', 'CLEARED']]);
    // The event id names the raising too (since, raised at): a raise again is another event.
    expect(moved.alerts[0]?.envelope.eventId).toBe(`T1|STUCK_ROUTED||${T0}|${T0 + 16 * MIN}|cleared`);
    expect(moved.alerts[0]?.detail).toBe(`moved to ${t.state?.state}`);
    expect(t.state?.watch?.alerts).toEqual([]);
  });

  // Housing said "not ours" and the bridge routed the ticket to transportation, still ROUTED: the
  // open alert went on naming housing and its owner, and transportation's limit never started.
  it("clears STUCK_ROUTED when the ticket is rerouted, and runs the new department's limit from the reroute", async () => {
    const base = await policy();
    const t = new Ticket({
      ...base,
      routing: {
        ...base.routing,
        SIGN: [
          { department: 'housing', system: 'posse' },
          { department: 'transportation', system: 'maximo' },
        ],
      },
      accountable: { housing: 'Hana (housing owner)', transportation: 'Tom (transportation owner)' },
      sentinel: { stateLimitsMinutes: { ROUTED: 15 }, statusUnconfirmedMinutes: null, workOrderSilenceMinutes: null },
    });
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'SIGN' }), T0);
    expect(t.sweep(T0 + 16 * MIN).alerts.map((a) => [a.status, a.department])).toEqual([['RAISED', 'housing']]);
    const rerouted = t.send(dept('T1', 'T1#1', 'posse', 'NOT_OURS', 2, { department: 'housing' }), T0 + 20 * MIN);
    expect(t.state?.state).toBe('ROUTED');
    expect(rerouted.alerts.map((a) => [a.reason, a.status, a.department])).toEqual([
      ['STUCK_ROUTED', 'CLEARED', 'housing'],
    ]);
    expect(rerouted.alerts[0]?.detail).toMatch(/^rerouted from housing to transportation/);
    expect(t.state?.watch?.alerts).toEqual([]);
    // Transportation has its 15 minutes from the reroute, then is named, with its owner.
    expect(t.sweep(T0 + 35 * MIN).alerts).toEqual([]);
    const raised = t.sweep(T0 + 36 * MIN).alerts;
    expect(raised.map((a) => [a.status, a.department, a.accountable, a.since])).toEqual([
      ['RAISED', 'transportation', 'Tom (transportation owner)', T0 + 20 * MIN],
    ]);
  });

  it('raises STATUS_UNCONFIRMED when the CRM sink has not confirmed the last status, and clears it on the receipt', async () => {
    const t = new Ticket(await policy());
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    const raised = t.sweep(T0 + 6 * MIN).alerts;
    expect(raised.map((a) => [a.reason, a.department, a.accountable])).toEqual([
      ['STATUS_UNCONFIRMED', null, '311 service desk'],
    ]);
    // A late or repeated receipt of an older version changes nothing.
    t.receipt(1, T0 + 7 * MIN);
    expect(t.alerts.map((a) => [a.reason, a.status])).toEqual([
      ['STATUS_UNCONFIRMED', 'RAISED'],
      ['STATUS_UNCONFIRMED', 'CLEARED'],
    ]);
    expect(t.alerts[1]?.detail).toBe('the CRM sink confirmed v1');
    expect(t.receipt(1, T0 + 8 * MIN).stateChanged).toBe(false);
  });

  it('watches each open work order for silence, and a ticket back with 311 for too long', async () => {
    const t = new Ticket(await policy());
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    t.receipt(1, T0);
    t.send(dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing' }), T0 + MIN);
    t.receipt(2, T0 + MIN);
    const silent = t.sweep(T0 + 62 * MIN).alerts;
    expect(silent.map((a) => [a.reason, a.alertId, a.department])).toEqual([
      ['WORK_ORDER_SILENT', 'T1|WORK_ORDER_SILENT|T1#1', 'housing'],
    ]);
    // Any word from the department about it ends the silence.
    const spoke = t.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 3, { department: 'housing', note: 'still on' }),
      T0 + 63 * MIN,
    );
    expect(spoke.alerts.map((a) => [a.reason, a.status])).toEqual([['WORK_ORDER_SILENT', 'CLEARED']]);
    expect(spoke.alerts[0]?.detail).toMatch(/^housing spoke about it /);

    const u = new Ticket(await policy());
    u.send(crm('U1', 'OPENED', 1, { serviceCode: 'UFO' }), T0);
    u.receipt(1, T0);
    expect(u.sweep(T0 + 61 * MIN).alerts.map((a) => [a.reason, a.department])).toEqual([['STUCK_NEW', null]]);
  });

  // A feed that re-sends an old event now and then says nothing new of the work order: counted
  // as word from the department, it kept a silent work order from ever being reported.
  it('does not take a stale event as word from the department', async () => {
    const t = new Ticket(await policy());
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    t.receipt(1, T0);
    t.send(dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing' }), T0 + MIN);
    t.receipt(2, T0 + MIN);
    const resent = t.send(
      dept('T1', 'T1#1', 'posse', 'INTAKE_ACCEPTED', 1, { department: 'housing' }, { eventId: 'resent-1' }),
      T0 + 40 * MIN,
    );
    expect(resent.violations.map((v) => v.kind)).toEqual(['STALE_EVENT']);
    expect(t.sweep(T0 + 62 * MIN).alerts.map((a) => [a.reason, a.alertId])).toEqual([
      ['WORK_ORDER_SILENT', 'T1|WORK_ORDER_SILENT|T1#1'],
    ]);
  });

  // Scheduled for a date that passed with no word: the CRM showed the citizen a date gone by,
  // and nothing said so before the work order's month of silence.
  it('raises EXPECTED_DATE_PASSED for an open work order whose date passed with no new one, and clears it on a new date', async () => {
    const base = await policy();
    const t = new Ticket({
      ...base,
      sentinel: {
        stateLimitsMinutes: {},
        statusUnconfirmedMinutes: null,
        workOrderSilenceMinutes: null,
        expectedOverdueMinutes: 60,
      },
    });
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    const expected = T0 + 120 * MIN;
    t.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing', expectedAt: expected }),
      T0 + MIN,
    );
    expect(t.sweep(expected + 60 * MIN).alerts).toEqual([]);
    const raised = t.sweep(expected + 61 * MIN).alerts;
    expect(raised.map((a) => [a.reason, a.alertId, a.department, a.since, a.accountable])).toEqual([
      ['EXPECTED_DATE_PASSED', 'T1|EXPECTED_DATE_PASSED|T1#1', 'housing', expected, base.accountable?.['housing']],
    ]);
    expect(raised[0]?.detail).toMatch(/^work order T1#1 \(\w+\) was expected by .*, 61 min ago \(limit 60 min\)/);
    // A new date clears it; the sweep finds nothing more until that one passes too.
    const later = expected + 24 * 60 * MIN;
    const moved = t.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 3, { department: 'housing', expectedAt: later }),
      expected + 62 * MIN,
    );
    expect(moved.alerts.map((a) => [a.reason, a.status])).toEqual([['EXPECTED_DATE_PASSED', 'CLEARED']]);
    expect(moved.alerts[0]?.detail).toBe(`housing gave a new date: ${new Date(later).toISOString()}`);
    expect(t.sweep(later + 60 * MIN).alerts).toEqual([]);
    // Done work has no date to keep.
    t.send(dept('T1', 'T1#1', 'posse', 'COMPLIED', 4, { department: 'housing' }), later + 30 * MIN);
    expect(t.sweep(later + 600 * MIN).alerts.filter((a) => a.reason === 'EXPECTED_DATE_PASSED')).toEqual([]);
  });

  it("leaves a duplicate's own dates to its parent's watch: the CRM shows the parent's", async () => {
    const overdue = {
      ...(await policy()),
      sentinel: {
        stateLimitsMinutes: {},
        statusUnconfirmedMinutes: null,
        workOrderSilenceMinutes: null,
        expectedOverdueMinutes: 60,
      },
    };
    const b = new Bridge(overdue);
    const start = b.now;
    b.send(crm('A', 'OPENED', 1, { serviceCode: 'GRASS' }));
    b.send(crm('B', 'OPENED', 1, { serviceCode: 'GRASS' }));
    const parentDate = start + 10 * 1440 * MIN;
    b.send(dept('A', 'A#1', 'posse', 'INSPECTION_SCHEDULED', 1, { department: 'housing', expectedAt: parentDate }));
    b.send(
      dept('B', 'B#1', 'posse', 'INSPECTION_SCHEDULED', 1, { department: 'housing', expectedAt: start + 120 * MIN }),
    );
    b.now = start + 10 * MIN;
    b.send(crm('B', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'A' }));
    expect(b.lastStatus('B')).toMatchObject({ lifecycleState: 'DUPLICATE', expectedAt: parentDate });
    // B#1 is still SCHEDULED for a date gone by until housing confirms the cancel.
    expect(b.ticket('B').workOrders.map((w) => w.state)).not.toContain('CANCELLED');
    expect(decideTimers(b.ticket('B'), { policy: overdue, now: start + 200 * MIN }).alerts).toEqual([]);
  });

  it('does nothing without a sentinel policy, and takes a state written before the sentinel as confirmed', async () => {
    const plain = await testPolicy();
    const t = new Ticket(plain);
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    expect(t.sweep(T0 + 600 * MIN).alerts).toEqual([]);
    const old: TicketState = { ...(t.state as TicketState), watch: null };
    const upgraded = decideTimers(old, { policy: await policy(), now: T0 + 600 * MIN });
    // Its last update stands in for when it entered ROUTED and its work order was created:
    // stuck and silent, but no unconfirmed status.
    expect(upgraded.alerts.map((a) => a.reason)).toEqual(['STUCK_ROUTED', 'WORK_ORDER_SILENT']);
  });

  // `sentinel: null` left every alert raised before it open for good: in readiness, the gauge
  // and `closeloop health` (exit 3), with `alerts ack` refusing the sentinel's reasons.
  it('clears the alerts it raised once turned off, at the next decision or sweep', async () => {
    const on = await policy();
    const off: Policy = { ...on, sentinel: null };
    const raise = async () => {
      const t = new Ticket(on);
      t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
      t.receipt(1, T0);
      expect(t.sweep(T0 + 16 * MIN).alerts.map((a) => [a.reason, a.status])).toEqual([['STUCK_ROUTED', 'RAISED']]);
      return t.state;
    };
    const moved = new Ticket(off);
    moved.state = await raise();
    const d = moved.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing' }),
      T0 + 30 * MIN,
    );
    expect(d.alerts.map((a) => [a.reason, a.status])).toEqual([['STUCK_ROUTED', 'CLEARED']]);
    expect(d.alerts[0]?.detail).toMatch(/sentinel is off/);
    expect(moved.state?.watch?.alerts).toEqual([]);

    const still = new Ticket(off);
    still.state = await raise();
    const swept = still.sweep(T0 + 30 * MIN);
    expect(swept.alerts.map((a) => [a.reason, a.status])).toEqual([['STUCK_ROUTED', 'CLEARED']]);
    expect(still.state?.watch?.alerts).toEqual([]);
    expect(still.sweep(T0 + 60 * MIN).stateChanged).toBe(false);
  });

  // The sweep runs on the host's wall clock: a partition moved to a host whose clock is behind
  // (or an NTP step back) cleared alerts whose condition still held, saying the ticket moved, and
  // raised them again under the same event id.
  it('keeps an alert open when the clock goes back, and clears it only when what it was raised on changed', async () => {
    const t = new Ticket({
      ...(await policy()),
      sentinel: { stateLimitsMinutes: { ROUTED: 15 }, statusUnconfirmedMinutes: null, workOrderSilenceMinutes: null },
    });
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    expect(t.sweep(T0 + 20 * MIN).alerts.map((a) => a.status)).toEqual(['RAISED']);
    expect(t.sweep(T0 + 11 * MIN).alerts).toEqual([]);
    expect(t.sweep(T0 + 21 * MIN).alerts).toEqual([]);
    expect(t.state?.watch?.alerts.map((a) => [a.reason, a.raisedAt])).toEqual([['STUCK_ROUTED', T0 + 20 * MIN]]);
  });

  it('clears an alert whose limit was removed or raised, and raises it again as another event', async () => {
    const base = await policy();
    const limited = (routed: number | undefined): Policy => ({
      ...base,
      sentinel: {
        stateLimitsMinutes: routed === undefined ? {} : { ROUTED: routed },
        statusUnconfirmedMinutes: null,
        workOrderSilenceMinutes: null,
      },
    });
    const at = (p: Policy, now: number) => decideTimers(state, { policy: p, now });
    let state = decide(null, crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), { policy: limited(15), now: T0 })
      .state as TicketState;
    const first = at(limited(15), T0 + 16 * MIN);
    state = first.state as TicketState;
    const raised = at(limited(60), T0 + 20 * MIN);
    expect(raised.alerts.map((a) => [a.status, a.detail])).toEqual([
      ['CLEARED', 'the limit is now 60 min, not passed when it was raised'],
    ]);
    state = raised.state as TicketState;
    const again = at(limited(15), T0 + 25 * MIN);
    expect(again.alerts.map((a) => a.status)).toEqual(['RAISED']);
    expect(again.alerts[0]?.envelope.eventId).not.toBe(first.alerts[0]?.envelope.eventId);
    state = again.state as TicketState;
    const removed = at(limited(undefined), T0 + 30 * MIN);
    expect(removed.alerts.map((a) => [a.status, a.detail])).toEqual([['CLEARED', 'no limit for ROUTED any more']]);
  });

  it('counts the work orders of a pre-sentinel ticket as seen at its last update once it gets a watch', async () => {
    const t = new Ticket(await policy());
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    const now = t.state as TicketState;
    const old: TicketState = { ...now, watch: null, workOrders: now.workOrders.map((w) => ({ ...w, seenAt: null })) };
    expect(old.workOrders.map((w) => seenAt(old, w))).toEqual([old.updatedAt]);
    const watched = withWatch(old, {});
    expect(watched.workOrders.map((w) => w.seenAt)).toEqual([old.updatedAt]);
    expect(watched.workOrders.map((w) => seenAt(watched, w))).toEqual([old.updatedAt]);
    // A work order never heard of since the watch exists is never silent (an imported one).
    const imported = { ...watched, workOrders: watched.workOrders.map((w) => ({ ...w, seenAt: null })) };
    expect(imported.workOrders.map((w) => seenAt(imported, w))).toEqual([undefined]);
  });

  // decideSentinel tells "nothing overdue" without making the conditions: the two must agree on
  // every ticket at every time, or an alert due would never be raised.
  it('tells whether anything is overdue as the conditions it watches do, on each side of every limit', async () => {
    const base = await policy();
    const watched = {
      stateLimitsMinutes: { NEW: 60, ROUTED: 15, SCHEDULED: 90, ON_HOLD: 45 },
      statusUnconfirmedMinutes: 5,
      workOrderSilenceMinutes: 120,
      expectedOverdueMinutes: 30,
    };
    const t = new Ticket({ ...base, sentinel: watched });
    const states: TicketState[] = [];
    const keep = () => states.push(t.state as TicketState);
    t.send(crm('T1', 'OPENED', 1, { serviceCode: 'GRASS' }), T0);
    keep();
    t.receipt(1, T0 + 2 * MIN);
    keep();
    const due = T0 + 40 * MIN;
    t.send(
      dept('T1', 'T1#1', 'posse', 'INSPECTION_SCHEDULED', 2, { department: 'housing', expectedAt: due }),
      T0 + 3 * MIN,
    );
    keep();
    t.send(dept('T1', 'T1#1', 'posse', 'HOLD_OWNER', 3, { department: 'housing' }), T0 + 7 * MIN);
    keep();
    t.send(dept('T1', 'T1#1', 'posse', 'COMPLIED', 4, { department: 'housing' }), T0 + 11 * MIN);
    keep();
    let overdue = 0;
    for (const s of states) {
      const conditions = conditionsOf(s, watched);
      expect(conditions.length).toBeGreaterThan(0);
      for (let now = T0; now <= T0 + 6 * 60 * MIN; now += MIN / 2) {
        const expected = conditions.some((c) => overdueAt(c, now));
        expect(anyOverdue(s, watched, now)).toBe(expected);
        if (expected) overdue += 1;
      }
    }
    // Both answers were met, on each ticket.
    expect(overdue).toBeGreaterThan(0);
    expect(overdue).toBeLessThan(states.length * 721);
  });
});
