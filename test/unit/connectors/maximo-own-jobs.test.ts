import { afterEach, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

// A job the department opened itself in Maximo (no bridge reference) is published by the feed
// under its own id, <site>/<wonum>; the bridge's commands and lookups name it so, and must find it.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

let now = 1_796_000_000_000;

async function connector() {
  const sim = new MaximoSimulator({ apiKey: 'key', clock: () => now });
  sims.push(sim);
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: await sim.start(),
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    timeoutMs: 300,
  });
  const ctx = { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock: () => now };
  const [source, sink, lookup] = [
    maximo.source?.(config, ctx),
    maximo.sink?.(config, ctx),
    maximo.lookup?.(config, ctx),
  ];
  if (!source || !sink || !lookup?.workOrder) throw new Error('no connector');
  return { sim, source, sink, workOrder: lookup.workOrder.bind(lookup) };
}

/** A CANCEL of a ticket's work, as the bridge writes it (its CRM withdrew the request). */
async function cancelFor(ticketId: string) {
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(ticketId, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(crm(ticketId, 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Withdrawn.' }));
  const cancel = bridge.commands.find((c) => c.kind === 'CANCEL');
  if (!cancel) throw new Error('no CANCEL');
  return cancel;
}

it("cancels a duplicate's job the department opened itself, and looks it up, by the id the feed gave it", async () => {
  const { sim, source, sink, workOrder } = await connector();
  const bridge = new Bridge(await testPolicy());
  bridge.now = now + 3_600_000;
  bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
  const own = sim.addWorkOrder({ siteid: 'DOT', origrecordid: 'D', origrecordclass: 'SR' }, []);
  now += 60_000;
  for (const r of (await source.poll(null)).records) bridge.send({ type: 'dept', event: r.value });
  const cancel = bridge.commands.find((c) => c.ticketId === 'D' && c.kind === 'CANCEL');
  expect([cancel?.workOrderId, cancel?.reason]).toEqual([`DOT/${own.wonum}`, 'DUPLICATE']);
  if (!cancel) throw new Error('no CANCEL');

  await sink.deliver(cancel);
  expect(sim.find(own.wonum)?.status).toBe('CAN');
  const ref = { workOrderId: cancel.workOrderId, ticketId: 'D', department: 'transportation', system: 'maximo' };
  expect(await workOrder(ref)).toMatchObject({ workOrderId: `DOT/${own.wonum}`, rawStatus: 'CAN' });

  // A number no work order has at the site, or one of another site, is still a data error.
  for (const id of ['DOT/9999', `OTHER/${own.wonum}`, 'DOT/']) {
    const refused = await sink.deliver({ ...cancel, workOrderId: id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', retriable: false });
    expect(await workOrder({ ...ref, workOrderId: id })).toBeNull();
  }
});

it("looks up a copy that kept the bridge's reference under its own id, and cancels it alone", async () => {
  const { sim, sink, workOrder } = await connector();
  const fields = { siteid: 'DOT', origrecordid: 'T', origrecordclass: 'SR' as const, externalrefid: 'T#1' };
  const made = sim.addWorkOrder(fields, []);
  const copy = sim.addWorkOrder(fields, []);
  const ref = { workOrderId: `DOT/${copy.wonum}`, ticketId: 'T', department: 'transportation', system: 'maximo' };
  // Named by the bridge's reference, its state would be taken for the bridge's work order's.
  expect(await workOrder(ref)).toMatchObject({ workOrderId: `DOT/${copy.wonum}`, rawStatus: 'WAPPR' });
  const cancel = {
    ...(await cancelFor('T')),
    workOrderId: `DOT/${copy.wonum}`,
  };
  await sink.deliver(cancel);
  expect([sim.find(copy.wonum)?.status, sim.find(made.wonum)?.status]).toEqual(['CAN', 'WAPPR']);
  // Under the bridge's id, neither: which one is its own cannot be told.
  const refused = await sink.deliver({ ...cancel, workOrderId: 'T#1' }).catch((e: unknown) => e);
  expect(refused).toMatchObject({ code: 'CL_CONNECTOR_DUPLICATE_WORK_ORDER' });
});
