import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig, type CloseloopConfig } from '../../../src/config/index.ts';
import { AvroSerde, createInMemoryMessaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { ProcessorHost } from '../../../src/processor/host.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { LoopbackRegistry } from '../../support/loopback-registry.ts';
import { SCHEMAS } from '../../support/processor.ts';

const cleanup = cleanupAfter('each');
const PASSWORD = 'S3cretPW';

/** A loopback registry that answers only `svc:S3cretPW` in basic auth; its URL without userinfo. */
async function registryBehindAuth(): Promise<string> {
  const registry = new LoopbackRegistry();
  registry.basicAuth = `svc:${PASSWORD}`;
  const url = await registry.start();
  cleanup.push(() => registry.stop());
  return url;
}

/** The processor's host on in-memory messaging, with every log line it writes (debug included). */
function hostOn(config: CloseloopConfig): { host: ProcessorHost; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
  const host = new ProcessorHost({
    config,
    logger,
    messaging: createInMemoryMessaging(),
    serde: new AvroSerde({ ...config.schemaRegistry, retries: 0 }),
    schemasDir: SCHEMAS,
  });
  return { host, lines };
}

async function registryView(host: ProcessorHost): Promise<{ registry: unknown; reasons: string[]; gauge: string }> {
  const { detail } = await host.readiness();
  const reasons = (detail['reasons'] as string[]).filter((r) => r.includes('registry'));
  const gauge = await host.metrics.registry.getSingleMetricAsString('closeloop_schema_registry_up');
  return { registry: detail['registry'], reasons, gauge };
}

describe("the processor's readiness probe of a registry behind basic auth", () => {
  it('asks with SCHEMA_REGISTRY_USERNAME / _PASSWORD, as the serde does, and finds the registry up', async () => {
    const url = await registryBehindAuth();
    const config = await loadConfig('config/closeloop.yaml', {
      SCHEMA_REGISTRY_URL: url,
      SCHEMA_REGISTRY_USERNAME: 'svc',
      SCHEMA_REGISTRY_PASSWORD: PASSWORD,
    });
    const { host, lines } = hostOn(config);
    // The serde gets through with these settings: the probe must say what the serde finds.
    const serde = new AvroSerde({ ...config.schemaRegistry, retries: 0 });
    await serde.register('probe-value', { type: 'record', name: 'Probe', fields: [] });
    expect(await registryView(host)).toEqual({
      registry: 'up',
      reasons: [],
      gauge: expect.stringMatching(/closeloop_schema_registry_up 1/),
    });
    expect(lines.some((l) => l.includes('schema registry reachable'))).toBe(true);
    expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it("takes the credentials out of a URL's user:password@ and finds it up; no log line has the password", async () => {
    const url = await registryBehindAuth();
    const config = await loadConfig('config/closeloop.yaml', {
      SCHEMA_REGISTRY_URL: url.replace('http://', `http://svc:${PASSWORD}@`),
    });
    const { host, lines } = hostOn(config);
    expect(await registryView(host)).toMatchObject({ registry: 'up', reasons: [] });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it('logs no password when handed a URL with userinfo the loader did not take apart', async () => {
    const url = await registryBehindAuth();
    const loaded = await loadConfig('config/closeloop.yaml', { SCHEMA_REGISTRY_URL: url });
    const withUserinfo = url.replace('http://', `http://svc:${PASSWORD}@`);
    const config = { ...loaded, schemaRegistry: { ...loaded.schemaRegistry, url: withUserinfo } };
    const { host, lines } = hostOn(config);
    const view = await registryView(host);
    expect(view.registry).toBe('down');
    expect(JSON.stringify(view)).not.toContain(PASSWORD);
    const logged = lines.filter((l) => l.includes('schema registry unreachable'));
    expect(logged).toEqual([expect.stringContaining('http://***@127.0.0.1:')]);
    expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it('says the registry refuses our credentials (HTTP 401), not that it is unreachable', async () => {
    const url = await registryBehindAuth();
    const config = await loadConfig('config/closeloop.yaml', {
      SCHEMA_REGISTRY_URL: url.replace('http://', 'http://svc:Rotated@'),
    });
    const { host, lines } = hostOn(config);
    expect(await registryView(host)).toEqual({
      registry: 'down',
      reasons: ['schema registry refuses our credentials (HTTP 401)'],
      gauge: expect.stringMatching(/closeloop_schema_registry_up 0/),
    });
    expect(lines.filter((l) => l.includes('schema registry refuses our credentials'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Rotated') || l.includes(PASSWORD))).toEqual([]);
  });

  it("takes a 200 that is no list of subjects (a proxy's HTML page) for the registry down", async () => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const config = await loadConfig('config/closeloop.yaml', { SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}` });
    const { host, lines } = hostOn(config);
    expect(await registryView(host)).toMatchObject({ registry: 'down', reasons: ['schema registry unreachable'] });
    expect(lines.filter((l) => l.includes('schema registry unreachable'))).toEqual([
      expect.stringContaining('no list of subjects (text/html)'),
    ]);
  });
});
