import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { outageDetail, outageReason } from '../../../src/runtime/index.ts';
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

function settings(url: string, apiRoot = '/maximo/api') {
  return parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    apiRoot,
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

describe('maximo hrefs on another origin', () => {
  const add = (sim: MaximoSimulator, n: number) =>
    sim.addWorkOrder(
      { siteid: 'BALT-DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` },
      [],
    );

  it('follows next pages and updates work orders on the configured server, by path and query', async () => {
    // Behind a TLS-offloading proxy Maximo writes http:// and its public host name, which the
    // bridge may not even resolve; the bridge's own baseUrl is the way in.
    const { sim, url } = await started({ hrefBase: 'http://maximo.city.gov' });
    for (let n = 1; n <= 5; n += 1) add(sim, n);
    const source = maximo.source?.(settings(url), ctx);
    const batch = await source?.poll(null);
    expect(batch?.records.map((r) => r.key)).toEqual(['T-1', 'T-2', 'T-3', 'T-4', 'T-5']);

    const [create, cancel] = await commands(['M-1']);
    if (!create || !cancel) throw new Error('no commands');
    const s = sink(url);
    await s.deliver(create);
    await s.deliver(cancel);
    expect(sim.find(create.workOrderId)?.status).toBe('CAN');
  });

  it('refuses a link outside the API root as a misdirected endpoint, naming both servers', async () => {
    const { sim, url } = await started({ hrefBase: 'http://maximo.internal:9080/other' });
    for (let n = 1; n <= 3; n += 1) add(sim, n);
    const calls = () => [...sim.server.calls.values()].reduce((a, b) => a + b, 0);
    const polled = await maximo
      .source?.(settings(url), ctx)
      .poll(null)
      .catch((e: unknown) => e);
    expect(polled).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', retriable: false });
    expect(outageReason(polled)).toBe('endpoint');
    const message = (polled as Error).message;
    expect(message).toContain('http://maximo.internal:9080/other/maximo/oslc/os/mxwo');
    expect(message).toContain(`${url}/maximo/api`);
    expect(message).not.toContain('oslc.where');
    expect(outageDetail(polled)).toBe(
      'a link outside the API root: http://maximo.internal:9080/other/maximo/oslc/os/mxwo',
    );

    const [create, cancel] = await commands(['M-2']);
    if (!create || !cancel) throw new Error('no commands');
    await sink(url).deliver(create);
    const before = calls();
    const refused = await sink(url)
      .deliver(cancel)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED' });
    // The lookup by reference, and no update sent anywhere.
    expect(calls() - before).toBe(1);
    expect(sim.find(create.workOrderId)?.status).toBe('WAPPR');
  });
});

describe('maximo hrefs under the other REST root', () => {
  // Maximo writes its hrefs from its webappurl, /maximo/oslc by default, whichever root it is
  // called on; both roots serve the same resources by the same ids.
  for (const [apiRoot, hrefRoot] of [
    ['/maximo/api', '/maximo/oslc'],
    ['/maximo/oslc', '/maximo/api'],
  ] as const)
    it(`reads the feed and updates work orders at ${apiRoot} given links under ${hrefRoot}`, async () => {
      const { sim, url } = await started({ hrefRoot });
      for (let n = 1; n <= 5; n += 1)
        sim.addWorkOrder(
          { siteid: 'BALT-DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` },
          [],
        );
      const batch = await maximo.source?.(settings(url, apiRoot), ctx).poll(null);
      expect(batch?.records.map((r) => r.key)).toEqual(['T-1', 'T-2', 'T-3', 'T-4', 'T-5']);
      const [create, cancel] = await commands(['M-4']);
      if (!create || !cancel) throw new Error('no commands');
      const s = maximo.sink?.(settings(url, apiRoot), ctx);
      await s?.deliver(create);
      await s?.deliver(cancel);
      expect(sim.find(create.workOrderId)?.status).toBe('CAN');
      // Every call went to the configured root, none to the one in the links.
      const paths = [...sim.server.calls.keys()];
      expect(paths.some((p) => p.includes(apiRoot))).toBe(true);
      expect(paths.filter((p) => p.includes(hrefRoot))).toEqual([]);
    });
});

describe('maximo 7.6 at /maximo/oslc', () => {
  it('answers in namespaced JSON unless a call asks for lean=1, as Maximo 7.6 does', async () => {
    const { sim, url } = await started();
    sim.addWorkOrder({ siteid: 'BALT-DOT', origrecordid: 'T-1', origrecordclass: 'SR', externalrefid: 'T-1#1' }, []);
    const get = async (query: string) =>
      (
        await fetch(`${url}/maximo/oslc/os/mxwo?oslc.where=siteid="BALT-DOT"${query}`, { headers: { apikey: 'key' } })
      ).json() as Promise<Record<string, unknown>>;
    const plain = await get('');
    expect(Object.keys(plain)).toContain('rdfs:member');
    expect((plain['rdfs:member'] as Record<string, unknown>[])[0]).toHaveProperty('spi:wonum');
    expect(Object.keys(await get('&lean=1'))).toContain('member');
  });

  it('reads the feed page by page and cancels a work order, asking for lean JSON on every call', async () => {
    const { sim, url } = await started();
    for (let n = 1; n <= 5; n += 1)
      sim.addWorkOrder(
        { siteid: 'BALT-DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` },
        [],
      );
    const batch = await maximo.source?.(settings(url, '/maximo/oslc'), ctx).poll(null);
    expect(batch?.records.map((r) => r.key)).toEqual(['T-1', 'T-2', 'T-3', 'T-4', 'T-5']);

    const [create, cancel] = await commands(['M-3']);
    if (!create || !cancel) throw new Error('no commands');
    const s = maximo.sink?.(settings(url, '/maximo/oslc'), ctx);
    await s?.deliver(create);
    await s?.deliver(cancel);
    expect(sim.find(create.workOrderId)?.status).toBe('CAN');
  });
});
