import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { outageReason } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

// Where the Maximo connector calls and where Maximo says its resources are: a restart behind
// WebSphere, hrefs built by Maximo behind a TLS-offloading proxy.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

async function started(options: ConstructorParameters<typeof MaximoSimulator>[0] = {}) {
  const sim = new MaximoSimulator({ apiKey: 'key', ...options });
  sims.push(sim);
  return { sim, url: await sim.start() };
}

function settings(url: string) {
  return parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'BALT-DOT' },
    pageSize: 2,
  });
}

const ctx = { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock: Date.now };

function sink(url: string) {
  const s = maximo.sink?.(settings(url), ctx);
  if (!s) throw new Error('no sink');
  return s;
}

async function commands(ids: string[]): Promise<WorkOrderCommand[]> {
  const bridge = new Bridge(await testPolicy());
  for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  for (const id of ids)
    bridge.send(crm(id, 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Fixed by a neighbour.' }));
  return bridge.commands;
}

describe('maximo while its context root is not found', () => {
  it('pauses the sink and the source (endpoint) instead of dead-lettering each command', async () => {
    const { sim, url } = await started();
    const [create] = await commands(['M-1']);
    if (!create) throw new Error('no command');
    sim.contextRootDown = true;
    const refused = await sink(url)
      .deliver(create)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', details: { httpStatus: 404 } });
    expect(outageReason(refused)).toBe('endpoint');
    const source = maximo.source?.(settings(url), ctx);
    const polled = await source?.poll(null).catch((e: unknown) => e);
    expect(outageReason(polled)).toBe('endpoint');
    expect((await sink(url).health()).status).toBe('down');

    sim.contextRootDown = false;
    await sink(url).deliver(create);
    expect(sim.find(create.workOrderId)).toBeDefined();
  });
});
