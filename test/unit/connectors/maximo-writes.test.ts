import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { restId } from '../../../connectors/maximo/simulator-href.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

// What the Maximo sink writes, and how a write sent again is made once: Maximo's transactionid
// for the minutes it keeps one, and the entry's own reference line after that.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

let now = 1_796_000_000_000;
const clock = () => now;
const MINUTE = 60_000;
const PATCHES = 'POST /maximo/api/os/mxwo/:id';

async function started(options: ConstructorParameters<typeof MaximoSimulator>[0] = {}) {
  const sim = new MaximoSimulator({ apiKey: 'key', clock, ...options });
  sims.push(sim);
  return { sim, url: await sim.start() };
}

function sink(url: string, extra: Record<string, unknown> = {}) {
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'BALT-DOT' },
    timeoutMs: 300,
    ...extra,
  });
  const s = maximo.sink?.(config, { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock });
  if (!s) throw new Error('no sink');
  return s;
}

/** A ticket's commands: its CREATE, then one for each CRM event given. */
async function commandsFor(ticketId: string, ...events: [string, Record<string, unknown>][]) {
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(ticketId, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  events.forEach(([kind, fields], i) => bridge.send(crm(ticketId, kind as 'UPDATED', i + 2, fields)));
  return bridge.commands;
}

const only = (c: WorkOrderCommand[], kind: WorkOrderCommand['kind']) => {
  const found = c.filter((x) => x.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0] as WorkOrderCommand;
};

/** A simulator, a sink on it, and a ticket's work order made there, with the ticket's later commands. */
async function opened(
  ticketId: string,
  events: [string, Record<string, unknown>][],
  o: { sim?: ConstructorParameters<typeof MaximoSimulator>[0]; sink?: Record<string, unknown> } = {},
) {
  const { sim, url } = await started(o.sim);
  const commands = await commandsFor(ticketId, ...events);
  const s = sink(url, o.sink);
  await s.deliver(only(commands, 'CREATE'));
  return { sim, s, commands };
}

describe('maximo sink: a note sent again', () => {
  it('is refused by Maximo as committed within its five minutes, and counts as delivered', async () => {
    // An object structure without the work log: the look-up cannot see the entry, so only the
    // transactionid keeps the PATCH sent again from adding it twice.
    const { sim, s, commands } = await opened('N-1', [['UPDATED', { note: 'Gate code 1234.' }]], {
      sim: { worklogInStructure: false },
    });
    const note = only(commands, 'ADD_NOTE');
    // Every write takes at once and is answered after the connector's time-out.
    sim.server.setFaults({ lateAnswerRate: 1, lateAnswerMs: 1_000 });
    expect(await s.deliver(note).catch((e: unknown) => e)).toMatchObject({ retriable: true });
    sim.server.setFaults({});
    await s.deliver(note);
    expect(sim.server.calls.get(PATCHES), 'the PATCH sent again, refused with 409').toBe(2);
    expect(sim.find(note.workOrderId)?.worklog.map((l) => l.description)).toEqual(['Gate code 1234.']);
  });

  it('after Maximo has forgotten its transaction is found by its reference line and not added twice', async () => {
    const { sim, s, commands } = await opened('N-2', [['UPDATED', { note: 'Gate code 1234.' }]]);
    const note = only(commands, 'ADD_NOTE');
    await s.deliver(note);
    now += 10 * MINUTE;
    // A replay from the dead-letter topic, long after.
    await s.deliver(note);
    const log = sim.find(note.workOrderId)?.worklog ?? [];
    expect(log.map((l) => l.logtype)).toEqual(['CLIENTNOTE']);
    expect(log[0]?.description).toBe('Gate code 1234.');
    expect(log[0]?.description_longdescription).toMatch(/^Gate code 1234\.\n\n311 bridge ref: closeloop-[\w-]{32}$/);
    expect(sim.server.calls.get(PATCHES), 'no second PATCH').toBe(1);

    // Another command with the same words is another note.
    const again = await commandsFor('N-2', ['UPDATED', { note: 'x' }], ['UPDATED', { note: 'Gate code 1234.' }]);
    await s.deliver({ ...only(again, 'CREATE'), kind: 'ADD_NOTE', note: 'Gate code 1234.', commandId: 'other' });
    expect(sim.find(note.workOrderId)?.worklog).toHaveLength(2);
  });
});

describe('maximo sink: a 409 the work order does not bear out', () => {
  // IBM documents the clash as 412; some versions and gateways answer 409 or 400.
  it.each([409, 412, 400] as const)(
    "tries again a PATCH that met another user's save of the work order, which saved nothing (%i)",
    async (status) => {
      const { sim, s, commands } = await opened(`N-9-${status}`, [['UPDATED', { note: 'Behind the bus shelter.' }]]);
      const note = only(commands, 'ADD_NOTE');
      sim.conflictNextUpdates(1, status);
      const refused = await s.deliver(note).catch((e: unknown) => e);
      expect(refused).toMatchObject({
        code: 'CL_CONNECTOR_RETRIABLE',
        retriable: true,
        details: { httpStatus: status },
      });
      expect((refused as Error).message).toContain('BMXAA8229W');
      expect(sim.find(note.workOrderId)?.worklog).toEqual([]);
      await s.deliver(note);
      expect(sim.find(note.workOrderId)?.worklog.map((l) => l.description)).toEqual(['Behind the bus shelter.']);
    },
  );

  it('dead-letters a note refused as committed whose work log does not show it', async () => {
    const { sim, s, commands } = await opened('N-10', [['UPDATED', { note: 'Twice reported.' }]]);
    const note = only(commands, 'ADD_NOTE');
    await s.deliver(note);
    // Someone deletes the entry in Maximo within the five minutes: the transaction id is still
    // kept, so the note sent again is refused, and the work log shows no such note.
    sim.find(note.workOrderId)?.worklog.splice(0);
    const refused = await s.deliver(note).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', details: { httpStatus: 409 } });
    expect((refused as Error).message).toMatch(/answered 409 to the ADD_NOTE of work order BALT-DOT\/1001/);
  });

  it('dead-letters a PATCH refused as committed that the work order does not show', async () => {
    const { sim, s, commands } = await opened('N-3', [['UPDATED', { note: 'Dog in yard.' }]]);
    const note = only(commands, 'ADD_NOTE');
    await s.deliver(note);
    // A cancel under a command id Maximo has seen: its transactionid is refused, and the work
    // order is not cancelled, so the 409 is no delivery.
    const refused = await s
      .deliver({ ...note, kind: 'CANCEL', reason: 'CANCELLED_BY_REQUESTOR' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', retriable: false, details: { httpStatus: 409 } });
    expect((refused as Error).message).toMatch(/answered 409 to the CANCEL of work order BALT-DOT\/1001/);
    expect(sim.find(note.workOrderId)?.status).toBe('WAPPR');
  });

  it('dead-letters a CREATE refused as committed whose work order is gone', async () => {
    const { sim, url } = await started();
    const commands = await commandsFor('N-4');
    const create = only(commands, 'CREATE');
    const s = sink(url);
    await s.deliver(create);
    sim.deleteWorkOrder(create.workOrderId);
    const refused = await s.deliver(create).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', details: { httpStatus: 409 } });
    expect((refused as Error).message).toMatch(/has no work order with externalrefid/);
    expect(sim.workOrders.size).toBe(0);
  });
});

describe('maximo sink: what it writes', () => {
  it('cancels with the reason as the status memo (np_statusmemo)', async () => {
    const { sim, url } = await started();
    const commands = await commandsFor('N-5', [
      'CANCELLED',
      { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Fixed by a neighbour.' },
    ]);
    const s = sink(url);
    for (const c of commands) await s.deliver(c);
    const wo = sim.find(only(commands, 'CANCEL').workOrderId);
    expect(wo?.status).toBe('CAN');
    expect(sim.statusHistory.filter((h) => h.wonum === wo?.wonum)).toEqual([
      { wonum: wo?.wonum, status: 'CAN', memo: 'CANCELLED_BY_REQUESTOR: Fixed by a neighbour.' },
    ]);
  });

  it('cuts a reason longer than the status memo, which Maximo would refuse whole, and logs it whole', async () => {
    const note = 'The neighbour filled the hole himself last weekend; please do not send a crew, it is done.';
    const events: [string, Record<string, unknown>][] = [
      ['CANCELLED', { closureReason: 'CANCELLED_BY_REQUESTOR', note }],
    ];
    const { sim, s, commands } = await opened('N-11', events);
    const cancel = only(commands, 'CANCEL');
    await s.deliver(cancel);
    const wo = sim.find(cancel.workOrderId);
    expect(wo?.status).toBe('CAN');
    const [memo] = sim.statusHistory.filter((h) => h.wonum === wo?.wonum).map((h) => h.memo);
    expect(memo).toBe('CANCELLED_BY_REQUESTOR: The neighbour filled the…');
    expect(wo?.worklog.map((l) => [l.logtype, l.description_longdescription?.split('\n\n')[0]])).toEqual([
      ['CLIENTNOTE', `CANCELLED_BY_REQUESTOR: ${note}`],
    ]);
    // A site whose memo column is longer keeps the reason whole there.
    const wide = await opened('N-12', events, { sim: { statusMemoLength: 200 }, sink: { statusMemoLength: 200 } });
    await wide.s.deliver(only(wide.commands, 'CANCEL'));
    expect(wide.sim.statusHistory.map((h) => h.memo)).toEqual([`CANCELLED_BY_REQUESTOR: ${note}`]);
    expect(wide.sim.workOrders.get('1001')?.worklog).toEqual([]);
  });

  it("sends no cancel for a work order cancelled under the site's own name for CAN", async () => {
    const { sim, s, commands } = await opened('N-8', [['CANCELLED', { closureReason: 'CANCELLED_BY_REQUESTOR' }]], {
      sim: { statusSynonyms: { CANCELLED: 'CAN' } },
    });
    const cancel = only(commands, 'CANCEL');
    sim.changeStatus(cancel.workOrderId, 'CANCELLED');
    await s.deliver(cancel);
    expect(sim.server.calls.get(PATCHES) ?? 0).toBe(0);
    expect(sim.find(cancel.workOrderId)?.status).toBe('CANCELLED');
  });

  it('writes notes and review requests with work log types of the LOGTYPE domain, as configured', async () => {
    const { sim, url } = await started({ logTypes: ['WORK', 'UPDATE', 'CLIENTNOTE', 'APPTNOTE', 'FOLLOWUP'] });
    const commands = await commandsFor('N-6', ['UPDATED', { note: 'Second pothole next to it.' }]);
    const s = sink(url, { noteLogType: 'WORK', reviewLogType: 'FOLLOWUP' });
    for (const c of commands) await s.deliver(c);
    const note = only(commands, 'ADD_NOTE');
    await s.deliver({ ...note, kind: 'REVIEW', note: null, commandId: `${note.commandId}-review` });
    expect(sim.find(note.workOrderId)?.worklog.map((l) => [l.logtype, l.description])).toEqual([
      ['WORK', 'Second pothole next to it.'],
      ['FOLLOWUP', '311 follow-up: the requester reports the work is not done.'],
    ]);
  });

  it('a type outside the domain is refused as a data error naming it', async () => {
    const { s, commands } = await opened('N-7', [['UPDATED', { note: 'Blocked by a van.' }]], {
      sink: { noteLogType: 'NOTE311' },
    });
    const refused = await s.deliver(only(commands, 'ADD_NOTE')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', details: { httpStatus: 400 } });
    expect((refused as Error).message).toContain('NOTE311 is not a value of the LOGTYPE domain');
  });
});

// A POST's answer was held to the work order's schema though nothing reads it: a Maximo (or a
// gateway) that answers 201 with the Location alone, or with dates the schema does not take, had
// every CREATE fail as malformed, retried, and logged as an earlier POST left unanswered.
describe('maximo sink: a work order created', () => {
  it('is done at the 201, whatever its body, with one POST', async () => {
    const { sim, url } = await started({ propertiesHeader: false });
    const create = only(await commandsFor('C-201'), 'CREATE');
    await expect(sink(url).deliver(create)).resolves.toBeUndefined();
    expect(sim.server.calls.get('POST /maximo/api/os/mxwo')).toBe(1);
    expect(sim.find(create.workOrderId)?.externalrefid).toBe(create.workOrderId);
  });
});

// A Maximo whose REST API writes its server's local times without an offset, and no timeZone set:
// the sink read every work order through the feed's schema, which wants dates with an offset, so
// every command after CREATE failed as a malformed answer, retried until dead-lettered, with no
// PATCH sent, while the sink's health stayed up.
describe('maximo sink: a Maximo writing local dates without an offset', () => {
  const local = { serverZone: 'America/New_York', datesWithOffset: false } as const;

  it('delivers every command, as it reads no date of the work order', async () => {
    const events: [string, Record<string, unknown>][] = [
      ['UPDATED', { note: 'Blocked by a van.' }],
      ['CANCELLED', { closureReason: 'CANCELLED_BY_REQUESTOR' }],
    ];
    const { sim, url } = await started(local);
    const commands = await commandsFor('L-1', ...events);
    const s = sink(url);
    await s.deliver(only(commands, 'CREATE'));
    const cancel = only(commands, 'CANCEL');
    const read = await fetch(`${url}/maximo/api/os/mxwo?oslc.select=statusdate&lean=1`, {
      headers: { apikey: 'key' },
    });
    expect(((await read.json()) as { member: { statusdate: string }[] }).member[0]?.statusdate).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/,
    );
    await s.deliver(only(commands, 'ADD_NOTE'));
    await s.deliver({ ...cancel, kind: 'UPDATE_PRIORITY', priority: 1, commandId: `${cancel.commandId}-priority` });
    await s.deliver(cancel);
    // The CREATE delivered again finds its work order rather than failing on its dates.
    await s.deliver(only(commands, 'CREATE'));
    const wo = sim.find(cancel.workOrderId);
    expect([wo?.status, wo?.wopriority, wo?.worklog.map((l) => l.description)]).toEqual([
      'CAN',
      1,
      ['Blocked by a van.'],
    ]);
    expect(await s.health()).toMatchObject({ status: 'up' });
  });

  it('has the lookup name the timeZone setting, not retried, as the status date names no instant without it', async () => {
    const { url } = await started(local);
    const create = only(await commandsFor('L-2'), 'CREATE');
    await sink(url).deliver(create);
    const lookup = (extra: Record<string, unknown> = {}) => {
      const config = parseConnectorConfig('maximo', maximo.config, {
        baseUrl: url,
        jurisdiction: 'testville',
        departments: { transportation: 'BALT-DOT' },
        ...extra,
      });
      const l = maximo.lookup?.(config, {
        logger: createLogger({ level: 'silent' }),
        env: { MAXIMO_API_KEY: 'key' },
        clock,
      });
      if (!l?.workOrder) throw new Error('no lookup');
      return l.workOrder(create);
    };
    const refused = await lookup().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONFIG_INVALID', retriable: false, details: { field: 'statusdate' } });
    expect((refused as Error).message).toContain("set the connector's timeZone");
    const seen = await lookup({ timeZone: 'America/New_York' });
    expect(seen?.envelope.occurredAt).toBe(Math.floor(now / 1000) * 1000);
    expect(seen?.rawStatus).toBe('WAPPR');
  });
});

// The simulator let the sink edit a work order in history (CLOSE, CAN), which a real Maximo keeps
// read-only and refuses with 400: a priority or a note for it was "delivered" to nowhere real.
describe('maximo sink: a work order in history', () => {
  it('is refused edits by Maximo; a priority for it is moot, a note is dead-lettered, neither sent', async () => {
    const { sim, url } = await started();
    const commands = await commandsFor('H-1', ['UPDATED', { note: 'Still there.' }]);
    const s = sink(url);
    await s.deliver(only(commands, 'CREATE'));
    const note = only(commands, 'ADD_NOTE');
    const wo = sim.find(note.workOrderId);
    if (!wo) throw new Error('no work order');
    sim.changeStatus(wo.wonum, 'CLOSE');
    const before = { wopriority: wo.wopriority, worklog: [], _rowstamp: wo._rowstamp };
    // Maximo itself refuses the edit, whole.
    const patch = await fetch(`${url}/maximo/api/os/mxwo/${restId(wo)}?lean=1`, {
      method: 'POST',
      headers: { apikey: 'key', 'x-method-override': 'PATCH', patchtype: 'MERGE', 'content-type': 'application/json' },
      body: JSON.stringify({ wopriority: 1 }),
    });
    expect(patch.status).toBe(400);
    expect(await patch.text()).toContain('is in history (status CLOSE) and cannot be modified');
    const patches = sim.server.calls.get(PATCHES) ?? 0;
    await expect(
      s.deliver({ ...note, kind: 'UPDATE_PRIORITY', priority: 1, commandId: `${note.commandId}-priority` }),
    ).resolves.toBeUndefined();
    const refused = await s.deliver(note).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', retriable: false, details: { status: 'CLOSE' } });
    // No HTTP status: the refusal counts toward no breaker.
    expect((refused as { details: Record<string, unknown> }).details['httpStatus']).toBeUndefined();
    expect((refused as Error).message).toContain('a history status it keeps read-only');
    expect(sim.server.calls.get(PATCHES) ?? 0).toBe(patches);
    expect({ wopriority: wo.wopriority, worklog: wo.worklog, _rowstamp: wo._rowstamp }).toEqual(before);
  });
});
