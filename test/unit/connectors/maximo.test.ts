import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { fromTicket } from '../../../connectors/maximo/mapping.ts';
import { workOrderSchema } from '../../../connectors/maximo/client.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

const SECOND = 1_796_000_000_000;

async function started(options: ConstructorParameters<typeof MaximoSimulator>[0] = {}) {
  const sim = new MaximoSimulator({ apiKey: 'key', ...options });
  sims.push(sim);
  return { sim, url: await sim.start() };
}

const get = (url: string, key = 'key') => fetch(url, { headers: { apikey: key } });
const add = (sim: MaximoSimulator, n: number, steps?: string[]) =>
  sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, steps);

function source(url: string, extra: Record<string, unknown> = {}, clock: () => number = Date.now) {
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    ...extra,
  });
  const s = maximo.source?.(config, {
    logger: createLogger({ level: 'silent' }),
    env: { MAXIMO_API_KEY: 'key' },
    clock,
  });
  if (!s) throw new Error('no source');
  return s;
}

describe('Maximo-like simulator', () => {
  it('refuses a wrong API key with 401 and an unparsable where clause with 400', async () => {
    const { url } = await started();
    expect((await get(`${url}/maximo/api/os/mxwo?lean=1`, 'wrong')).status).toBe(401);
    expect((await get(`${url}/maximo/api/os/mxwo?oslc.where=${encodeURIComponent('wonum ~ 1')}`)).status).toBe(400);
  });

  it('keeps dates to the second and follows status rules: history statuses have no way out', async () => {
    const { sim } = await started({ clock: () => SECOND + 999 });
    const wo = add(sim, 1);
    expect(wo.changedate).toBe(new Date(SECOND).toISOString().replace('.000Z', '+00:00'));
    sim.changeStatus('T-1#1', 'CLOSE');
    expect(() => sim.changeStatus('T-1#1', 'CAN')).toThrow(/cannot change from CLOSE to CAN/);
    expect(() => sim.changeStatus('T-1#1', 'CLOSE')).toThrow(/already in status/);
  });

  it('crews complete and close days later, or close without completing', async () => {
    const { sim } = await started({ behaviour: { closeAfterTicks: 2, materialRate: 1 } });
    add(sim, 1, undefined);
    const seen: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      sim.tick();
      seen.push(sim.find('T-1#1')?.status ?? '');
    }
    expect([...new Set(seen)]).toEqual(['APPR', 'WSCH', 'WMATL', 'INPRG', 'COMP', 'CLOSE']);
    expect(seen.filter((s) => s === 'COMP')).toHaveLength(3);
    const { sim: hasty } = await started({ behaviour: { closeWithoutCompRate: 1 } });
    add(hasty, 2, undefined);
    while (hasty.tick() > 0);
    expect(hasty.find('T-2#1')?.status).toBe('CLOSE');
  });

  it('pages with responseInfo.nextPage; a stable result set does not shift when records change', async () => {
    const { sim, url } = await started();
    for (let n = 1; n <= 5; n += 1) add(sim, n, []);
    const q = `${url}/maximo/api/os/mxwo?lean=1&oslc.pageSize=2&stablepaging=true&oslc.orderBy=${encodeURIComponent('+changedate,+workorderid')}`;
    const first = (await (await get(q)).json()) as {
      member: { wonum: string }[];
      responseInfo: { nextPage?: { href: string } };
    };
    expect(first.member.map((m) => m.wonum)).toEqual(['1001', '1002']);
    // The first work order changes, which would move it to the end of a fresh query.
    sim.changeStatus('1001', 'APPR');
    const second = (await (await get(first.responseInfo.nextPage?.href ?? '')).json()) as {
      member: { wonum: string }[];
    };
    expect(second.member.map((m) => m.wonum)).toEqual(['1003', '1004']);
  });

  it('commits a held change late: readers see the version committed before, then the change with its save time', async () => {
    let now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    add(sim, 1, []);
    const held = await fetch(`${url}/_sim/late-commits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1 }),
    });
    expect(await held.json()).toEqual({ holding: 1 });
    now += 1_000;
    sim.changeStatus('T-1#1', 'APPR');
    now += 5_000;
    const read = async () =>
      (
        (await (await get(`${url}/maximo/api/os/mxwo?lean=1`)).json()) as {
          member: { status: string; changedate: string }[];
        }
      ).member[0];
    expect(await read()).toMatchObject({
      status: 'WAPPR',
      changedate: new Date(SECOND).toISOString().replace('.000Z', '+00:00'),
    });
    const commit = await fetch(`${url}/_sim/late-commits/commit`, { method: 'POST' });
    expect(await commit.json()).toEqual({ committed: 1 });
    expect(await read()).toMatchObject({
      status: 'APPR',
      changedate: new Date(SECOND + 1_000).toISOString().replace('.000Z', '+00:00'),
    });
  });
});

describe('Maximo-like simulator with app servers whose clocks disagree (clockSkewMs)', () => {
  it('stamps a change saved on a server whose clock is behind with its time, while the row stamp rises', async () => {
    const now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    const wo = add(sim, 1, []);
    const first = wo._rowstamp;
    const skew = (body: unknown) =>
      fetch(`${url}/_sim/clock-skew`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await skew({ ms: 'soon' })).status).toBe(400);
    expect(await (await skew({ ms: -60_000 })).json()).toEqual({ clockSkewMs: -60_000 });
    sim.changeStatus('T-1#1', 'APPR');
    expect([wo.statusdate, wo.changedate]).toEqual([
      new Date(SECOND - 60_000).toISOString().replace('.000Z', '+00:00'),
      new Date(SECOND - 60_000).toISOString().replace('.000Z', '+00:00'),
    ]);
    expect(BigInt(wo._rowstamp)).toBeGreaterThan(BigInt(first));
  });
});

describe('Maximo-like simulator on a busy app server (slowWriteRate)', () => {
  it('saves a slow POST when its time comes, though its caller gave up; a read meanwhile does not see it', async () => {
    const { sim, url } = await started({ faults: { slowWriteRate: 1, slowWriteMs: 400 } });
    const post = fetch(`${url}/maximo/api/os/mxwo?lean=1`, {
      method: 'POST',
      headers: { apikey: 'key', 'content-type': 'application/json' },
      body: JSON.stringify({ siteid: 'DOT', origrecordid: 'T-9', origrecordclass: 'SR', externalrefid: 'T-9#1' }),
      signal: AbortSignal.timeout(100),
    });
    await expect(post).rejects.toThrow(/timeout|aborted/i);
    // Reads are not slowed: the look-up answers at once, and finds nothing yet.
    const where = encodeURIComponent('externalrefid="T-9#1"');
    const read = async () =>
      ((await (await get(`${url}/maximo/api/os/mxwo?lean=1&oslc.where=${where}`)).json()) as { member: unknown[] })
        .member;
    expect(await read()).toEqual([]);
    await sim.server.settled();
    expect(await read()).toHaveLength(1);
    expect(sim.find('T-9#1')?.status).toBe('WAPPR');
  });
});

describe('maximo lookup', () => {
  it('judges no work order filed twice under the bridge reference, naming both', async () => {
    const { sim, url } = await started();
    add(sim, 1, []);
    add(sim, 1, []);
    const config = parseConnectorConfig('maximo', maximo.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'DOT' },
    });
    const lookup = maximo.lookup?.(config, {
      logger: createLogger({ level: 'silent' }),
      env: { MAXIMO_API_KEY: 'key' },
      clock: Date.now,
    });
    const ref = { workOrderId: 'T-1#1', ticketId: 'T-1', department: 'transportation', system: 'maximo' };
    await expect(lookup?.workOrder?.(ref)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_DUPLICATE_WORK_ORDER',
      retriable: false,
      details: { externalrefid: 'T-1#1', siteid: 'DOT', wonums: ['1001', '1002'] },
    });
  });
});

describe('maximo source', () => {
  it("goes by a status's internal value where the site names it otherwise, and keeps the site's code", async () => {
    const { sim, url } = await started({ statusSynonyms: { CLOSED: 'CLOSE', CANCELLED: 'CAN', SCHED: 'WSCH' } });
    add(sim, 1, []);
    add(sim, 2, []);
    sim.changeStatus('T-1#1', 'SCHED');
    sim.changeStatus('T-2#1', 'CANCELLED');
    const events = (await source(url).poll(null)).records.map((r) => r.value);
    expect(events.map((e) => [e.ticketId, e.rawStatus, e.systemClosed, e.expectedAt !== null])).toEqual([
      ['T-1', 'SCHED', false, true],
      ['T-2', 'CANCELLED', true, false],
    ]);
  });

  it('reads equal changedates across pages and polls without losing or repeating one', async () => {
    let now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    for (let n = 1; n <= 5; n += 1) add(sim, n, []);
    // One page per poll: each batch ends in the middle of a second's changes.
    const s = source(url, { pageSize: 2, maxPagesPerPoll: 1 });
    const events: WorkOrderEvent[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 6; i += 1) {
      if (i === 2) sim.changeStatus('T-1#1', 'APPR');
      if (i === 3) {
        now += 1_000;
        sim.changeStatus('T-2#1', 'APPR');
      }
      const batch = await s.poll(cursor);
      events.push(...batch.records.map((r) => r.value));
      cursor = batch.cursor;
    }
    expect(events.map((e) => `${e.ticketId}:${e.rawStatus}`)).toEqual([
      'T-1:WAPPR',
      'T-2:WAPPR',
      'T-3:WAPPR',
      'T-4:WAPPR',
      // Changed again within the same second: a new row version at the same changedate.
      'T-1:APPR',
      'T-5:WAPPR',
      'T-2:APPR',
    ]);
    expect(new Set(events.map((e) => e.envelope.eventId)).size).toBe(events.length);
  });

  it('reads a change committed late behind a later one, once, though its changedate is earlier', async () => {
    let now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    add(sim, 1, []);
    add(sim, 2, []);
    // A source per poll: each starts from the stored cursor alone, as after a restart.
    const poll = async (cursor: string | null) => {
      const batch = await source(url, {}, () => now).poll(cursor);
      return { cursor: batch.cursor, read: batch.records.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`) };
    };
    const first = await poll(null);
    expect(first.read).toEqual(['T-1:WAPPR', 'T-2:WAPPR']);
    // App server A saves WO-1 as COMP but commits late; server B saves WO-2 a second later at once.
    now += 1_000;
    sim.holdNextChanges(1);
    sim.changeStatus('T-1#1', 'COMP');
    now += 1_000;
    sim.changeStatus('T-2#1', 'APPR');
    const second = await poll(first.cursor);
    expect(second.read).toEqual(['T-2:APPR']);
    sim.commitHeld();
    now += 1_000;
    const third = await poll(second.cursor);
    expect(third.read).toEqual(['T-1:COMP']);
    expect((await poll(third.cursor)).read).toEqual([]);
  });

  it("keeps a work order's changes in row-stamp order when an app server's clock is behind, across restarts", async () => {
    let now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    const bridge = new Bridge(await testPolicy());
    bridge.now = SECOND + 3_600_000;
    const create = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' })).commands[0];
    if (!create) throw new Error('no CREATE');
    const ref = create.workOrderId;
    sim.addWorkOrder({ siteid: 'DOT', origrecordid: 'T1', origrecordclass: 'SR', externalrefid: ref }, []);
    const events: WorkOrderEvent[] = [];
    // A source per poll: each starts from the stored cursor alone, as after a restart.
    const poll = async (cursor: string | null) => {
      const batch = await source(url, {}, () => now).poll(cursor);
      for (const r of batch.records) {
        events.push(r.value);
        bridge.send({ type: 'dept', event: r.value });
      }
      return batch.cursor;
    };
    now += 30_000;
    sim.changeStatus(ref, 'WSCH');
    let cursor = await poll(null);
    // App server B, a minute behind A, completes the job 45 s later and then closes it.
    sim.clockSkewMs = -60_000;
    now += 45_000;
    sim.changeStatus(ref, 'COMP');
    cursor = await poll(cursor);
    now += 1_000;
    sim.changeStatus(ref, 'CLOSE');
    await poll(cursor);
    expect(events.map((e) => e.rawStatus)).toEqual(['WSCH', 'COMP', 'CLOSE']);
    // Dated 10:00:15 and 10:00:16 by B's clock, each is placed just after the change before it.
    expect(events.map((e) => e.envelope.occurredAt)).toEqual([SECOND + 30_000, SECOND + 30_001, SECOND + 30_002]);
    expect(bridge.violationsOf('T1').map((v) => v.kind)).not.toContain('STALE_EVENT');
    expect(bridge.ticket('T1').workOrders.map((w) => [w.rawStatus, w.state])).toEqual([['CLOSE', 'COMPLETED']]);
  });

  it("publishes a second work order under the bridge's reference as its own, so cancelling it ends nothing of the bridge's", async () => {
    let now = SECOND;
    const { sim, url } = await started({ clock: () => now });
    const bridge = new Bridge(await testPolicy());
    bridge.now = SECOND + 3_600_000;
    const create = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' })).commands[0];
    if (!create) throw new Error('no CREATE');
    const ref = create.workOrderId;
    const fields = { siteid: 'DOT', origrecordid: 'T1', origrecordclass: 'SR', externalrefid: ref };
    const real = sim.addWorkOrder(fields, []);
    now += 1_000;
    // The second POST of a CREATE that may have taken, or a planner's copy that kept the reference.
    const extra = sim.addWorkOrder(fields, []);
    const events: WorkOrderEvent[] = [];
    const poll = async (cursor: string | null) => {
      const batch = await source(url, {}, () => now).poll(cursor);
      for (const r of batch.records) {
        events.push(r.value);
        bridge.send({ type: 'dept', event: r.value });
      }
      return batch.cursor;
    };
    now += 60_000;
    sim.changeStatus(real.wonum, 'WSCH');
    // A person settles the duplicate by cancelling the extra one.
    now += 60_000;
    sim.changeStatus(extra.wonum, 'CAN', 'duplicate');
    let cursor = await poll(null);
    now += 60_000;
    sim.changeStatus(real.wonum, 'INPRG');
    cursor = await poll(cursor);
    now += 60_000;
    sim.changeStatus(real.wonum, 'COMP');
    await poll(cursor);
    expect(events.map((e) => `${e.workOrderId}:${e.rawStatus}`)).toEqual([
      `${ref}:WSCH`,
      `DOT/${extra.wonum}:CAN`,
      `${ref}:INPRG`,
      `${ref}:COMP`,
    ]);
    expect(bridge.violationsOf('T1').map((v) => v.kind)).toEqual([]);
    expect(bridge.ticket('T1').workOrders.map((w) => [w.workOrderId, w.state])).toEqual([
      [ref, 'COMPLETED'],
      [`DOT/${extra.wonum}`, 'CANCELLED'],
    ]);
    expect(bridge.lastStatus('T1').crmStatus).toBe('CLOSED');
  });

  it('dead-letters a work order opened from a service request that names none, reading on past it', async () => {
    const { sim, url } = await started();
    add(sim, 1, []);
    sim.addWorkOrder({ siteid: 'DOT', origrecordclass: 'SR' }, []);
    sim.addWorkOrder({ siteid: 'DOT', origrecordid: '  ', origrecordclass: 'SR' }, []);
    add(sim, 2, []);
    const batch = await source(url).poll(null);
    expect(batch.records.map((r) => r.value.ticketId)).toEqual(['T-1', 'T-2']);
    expect(batch.rejected?.map((r) => [r.error.code, r.key, r.error.details?.fields])).toEqual([
      ['CL_SOURCE_RECORD_INVALID', null, ['origrecordid']],
      ['CL_SOURCE_RECORD_INVALID', '  ', ['origrecordid']],
    ]);
    expect(batch.rejected?.[0]?.error.message).toMatch(
      /origrecordid: a work order opened from a service request .* names no ticket/,
    );
  });

  it('does not let a change dated far ahead carry the cursor past later changes, and warns of it', async () => {
    let now = SECOND;
    let ahead = 0;
    const { sim, url } = await started({ clock: () => now + ahead });
    add(sim, 1, []);
    add(sim, 2, []);
    const poll = (cursor: string | null) => source(url, {}, () => now).poll(cursor);
    const first = await poll(null);
    // One app server's clock runs two hours ahead for one save.
    ahead = 7_200_000;
    sim.changeStatus('T-1#1', 'APPR');
    ahead = 0;
    const second = await poll(first.cursor);
    expect(second.records.map((r) => r.value.rawStatus)).toEqual(['APPR']);
    expect(second.warnings?.map((w) => w.code)).toEqual(['CL_SOURCE_CLOCK_AHEAD']);
    expect(second.warnings?.[0]?.detail).toContain('(ticket T-1)');
    now += 1_000;
    sim.changeStatus('T-2#1', 'APPR');
    const third = await poll(second.cursor);
    expect(third.records.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`)).toEqual(['T-2:APPR']);
    // Still read ahead of the clock on every poll: the warning lasts while the cause does.
    expect(third.warnings?.map((w) => w.code)).toEqual(['CL_SOURCE_CLOCK_AHEAD']);
  });
});

describe('maximo mapping', () => {
  // Found by the property tests: an empty origrecordid went out as an event keyed by "".
  it('takes an empty origrecordid for no ticket, as one left out, so its work order is passed over', () => {
    const wo = workOrderSchema.parse({
      href: 'http://maximo/oslc/os/mxwo/_1',
      _rowstamp: '1',
      workorderid: 1,
      wonum: '1000',
      siteid: 'DOT',
      status: 'APPR',
      statusdate: '2024-05-01T10:00:00Z',
      changedate: '2024-05-01T10:00:00Z',
      origrecordclass: 'SR',
    });
    expect(fromTicket({ ...wo, origrecordid: '' })).toBe(false);
    expect(fromTicket(wo)).toBe(false);
    expect(fromTicket({ ...wo, origrecordid: 'T-1' })).toBe(true);
  });
});
