import { afterEach, describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { outageReason } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

// A firewall or proxy in front of a department system or the CRM answers a write 200 with an HTML
// page (a block or maintenance page): the system never saw the write, so it must not count as
// done. An empty 2xx (a 204) still does.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const logger = createLogger({ level: 'silent' });
const env = { CRM_API_TOKEN: 'tok', POSSE_API_TOKEN: 'tok', MAXIMO_API_KEY: 'key' };
const ctx = { logger, env, clock: Date.now };

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'counted as done',
    (e: unknown) => e,
  );
}

function expectRetriedAsAnOutage(err: unknown): void {
  expect(err).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', retriable: true });
  expect((err as Error).message).toContain('not JSON');
  expect(outageReason(err)).toBe('unavailable');
}

/** A CREATE and a CANCEL of one ticket's work order, as the bridge makes them. */
async function createAndCancel(id: string, serviceCode: string): Promise<[WorkOrderCommand, WorkOrderCommand]> {
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(id, 'OPENED', 1, { serviceCode }));
  bridge.send(crm(id, 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Not needed.' }));
  const [create, cancel] = bridge.commands;
  if (create?.kind !== 'CREATE' || cancel?.kind !== 'CANCEL') throw new Error('expected a CREATE and a CANCEL');
  return [create, cancel];
}

describe('a write answered 200 with an HTML page by a firewall', () => {
  it('is a retriable malformed answer for a CRM status update, which the CRM never applied', async () => {
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    stops.push(() => sim.stop());
    const config = parseConnectorConfig('crm-rest', crmRest.config, { baseUrl: url, jurisdiction: 'testville' });
    const sink = crmRest.sink?.(config, ctx);
    if (!sink) throw new Error('no sink');
    const id = sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id;
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const status = bridge.lastStatus(id);

    sim.server.setFaults({ proxyPageRate: 1 });
    expectRetriedAsAnOutage(await refusal(sink.deliver(status)));
    expect(sim.applied).toHaveLength(0);

    // A 204 with no body is the CRM taking it.
    sim.server.setFaults({ noContentRate: 1 });
    await sink.deliver(status);
    expect(sim.applied).toHaveLength(1);
  });

  it('is a retriable malformed answer for a Maximo cancel, which Maximo never saw', async () => {
    const sim = new MaximoSimulator({ apiKey: 'key' });
    const url = await sim.start();
    stops.push(() => sim.stop());
    const config = parseConnectorConfig('maximo', maximo.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'BALT-DOT' },
    });
    const sink = maximo.sink?.(config, ctx);
    if (!sink) throw new Error('no sink');
    const [create, cancel] = await createAndCancel('M-1', 'POTHOLE');
    await sink.deliver(create);

    // Only the PATCH meets the firewall: the lookup by reference before it gets through.
    sim.server.setFaults({ proxyPageRate: 1 });
    expectRetriedAsAnOutage(await refusal(sink.deliver(cancel)));
    expect(sim.server.calls.get('POST /maximo/api/os/mxwo/:id')).toBe(1);
    expect(sim.find(create.workOrderId)?.status).toBe('WAPPR');

    sim.server.setFaults({ noContentRate: 1 });
    await sink.deliver(cancel);
    expect(sim.find(create.workOrderId)?.status).toBe('CAN');
  });

  it('is a retriable malformed answer for a POSSE cancel, which POSSE never saw', async () => {
    const sim = new PosseSimulator({ token: 'tok' });
    const url = await sim.start();
    stops.push(() => sim.stop());
    const config = parseConnectorConfig('posse', posse.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: ['housing'],
    });
    const sink = posse.sink?.(config, ctx);
    if (!sink) throw new Error('no sink');
    const [create, cancel] = await createAndCancel('P-1', 'GRASS');
    await sink.deliver(create);
    const job = () => [...sim.jobs.values()].find((j) => j.externalRef === create.workOrderId);
    expect(job()?.status).toBe('Open');

    sim.server.setFaults({ proxyPageRate: 1 });
    expectRetriedAsAnOutage(await refusal(sink.deliver(cancel)));
    expect(job()?.status).toBe('Open');

    sim.server.setFaults({ noContentRate: 1 });
    await sink.deliver(cancel);
    expect(job()?.status).toBe('Closed');
  });
});
