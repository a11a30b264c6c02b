import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeloopConfigSchema, loadConfig } from '../../src/config/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { connectorChecker } from '../../src/worker/connector-check.ts';
import { Worker } from '../../src/worker/worker.ts';

const logger = createLogger({ level: 'silent' });
const TOKENS = { CRM_API_TOKEN: 'crm-token', POSSE_API_TOKEN: 'posse-token', MAXIMO_API_KEY: 'maximo-key' };

async function problemsOf(load: Promise<unknown>): Promise<string> {
  const err = await load.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  return ((err as CloseloopError).details['problems'] as string[]).join('\n');
}

async function writeConfig(yaml: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'closeloop-config-')), 'closeloop.yaml');
  await writeFile(file, yaml);
  return file;
}

describe('worker configuration', () => {
  it('accepts the shipped config with its connectors', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(config.connectors.map((c) => c.name)).toEqual(['crm-rest', 'posse', 'maximo']);
    expect(() => new Worker({ config, logger, env: TOKENS })).not.toThrow();
  });

  it('gives each sink a bound on the pause cycles of one record, and refuses one below 1', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(config.connectors.map((c) => c.maxDeliveryCycles)).toEqual([10, 10, 10]);
    const shipped = await readFile('config/closeloop.yaml', 'utf8');
    const file = await writeConfig(
      shipped.replace('  - name: crm-rest\n', '  - name: crm-rest\n    maxDeliveryCycles: 0\n'),
    );
    expect(await problemsOf(loadConfig(file, {}))).toMatch(/connectors\.0\.maxDeliveryCycles/);
  });

  it('loads the shipped config with every connector checked and every route served', async () => {
    const config = await loadConfig('config/closeloop.yaml', TOKENS, {
      checkConnector: connectorChecker({ credentials: true }),
    });
    expect([...(config.policy.served ?? [])].sort()).toEqual(['maximo/transportation', 'posse/housing']);
  });

  it('names each missing credential variable, never its value, at start-up', async () => {
    const text = await problemsOf(
      loadConfig(
        'config/closeloop.yaml',
        { CRM_API_TOKEN: 'secret-crm' },
        {
          checkConnector: connectorChecker({ credentials: true }),
        },
      ),
    );
    expect(text).toContain('posse: environment variable POSSE_API_TOKEN is not set');
    expect(text).not.toContain('CRM_API_TOKEN');
    expect(text).not.toContain('secret-crm');
  });

  it('reports a bad broker, a route no connector serves, a bad connector setting and a missing credential together', async () => {
    const mappings = path.resolve('config/status-mappings');
    const file = await writeConfig(`
jurisdiction: testville
kafka: { brokers: ['not a broker'] }
schemaRegistry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' }
statusMappings: [${mappings}/posse.yaml, ${mappings}/maximo.yaml]
connectors:
  - name: crm-rest
    config: { baseUrl: 'http://127.0.0.1:8081', jurisdiction: testville }
  - name: posse
    config: { baseUrl: 'http://127.0.0.1:8082', jurisdiction: testville, departments: [housing], pageSize: 0 }
routing:
  services:
    POTHOLE: [{ department: transportation, system: maximo }]
    GRASS: [{ department: housing, system: posse }]
`);
    const text = await problemsOf(loadConfig(file, {}, { checkConnector: connectorChecker({ credentials: true }) }));
    expect(text).toContain('kafka.brokers.0: host:port');
    expect(text).toContain('routing.services.POTHOLE: no connector sink serves transportation on maximo');
    expect(text).toContain('posse: pageSize');
    // GRASS goes to posse, whose own setting is the problem: not reported as unserved beside it.
    expect(text).not.toContain('routing.services.GRASS');
    expect(text).toContain('crm-rest: environment variable CRM_API_TOKEN is not set');
  });

  it('blames a misspelt department in a route on the route alone, not also on the roles file', async () => {
    // The shipped config beside its files (roles, mappings, calendars), with one department misspelt.
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-misspelt-'));
    await cp('config', dir, { recursive: true });
    const file = path.join(dir, 'closeloop.yaml');
    const shipped = await readFile(file, 'utf8');
    const misspelt = shipped.replace('SR-GRAFFITI: [{ department: housing', 'SR-GRAFFITI: [{ department: housng');
    expect(misspelt).not.toBe(shipped);
    await writeFile(file, misspelt);
    const text = await problemsOf(
      loadConfig(file, TOKENS, { checkConnector: connectorChecker({ credentials: true }) }),
    );
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/routing\.services\.SR-GRAFFITI: no connector sink serves housng on posse/),
    ]);
    // Without the connector check (the commands that read a section or two), roles.yaml is all
    // that knows the department, and says so.
    expect(await problemsOf(loadConfig(file, TOKENS))).toContain('departments.housng: department housng receives work');
  });

  it('refuses a webhook doorbell without its token variable or without the ops server that answers it', async () => {
    const mappings = path.resolve('config/status-mappings');
    const file = await writeConfig(`
jurisdiction: testville
kafka: { brokers: ['127.0.0.1:9092'] }
schemaRegistry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' }
statusMappings: [${mappings}/posse.yaml]
connectors:
  - name: posse
    webhook: { tokenEnv: POSSE_WEBHOOK_TOKEN }
    config: { baseUrl: 'http://127.0.0.1:8082', jurisdiction: testville, departments: [housing] }
routing:
  services:
    GRASS: [{ department: housing, system: posse }]
`);
    const text = await problemsOf(
      loadConfig(file, TOKENS, { checkConnector: connectorChecker({ credentials: true }) }),
    );
    expect(text).toContain('connectors.0: posse: environment variable POSSE_WEBHOOK_TOKEN is not set');
    expect(text).toContain('connectors.0: webhook needs the ops server');
    const served = await writeConfig(`${await readFile(file, 'utf8')}http: { port: 0 }\n`);
    const config = await loadConfig(
      served,
      { ...TOKENS, POSSE_WEBHOOK_TOKEN: 'bell' },
      { checkConnector: connectorChecker({ credentials: true }) },
    );
    expect(config.connectors[0]).toMatchObject({ pollIntervalMs: 250, busyPollIntervalMs: 25, pollBackoff: 2 });
  });

  it('gives each sink a breaker of 5 dead letters with one status unless the instance says otherwise', async () => {
    const base = await loadConfig('config/closeloop.yaml', TOKENS);
    expect(base.connectors.length).toBeGreaterThan(0);
    for (const c of base.connectors) expect(c.breakAfterSameStatus).toBe(5);
    const instances = closeloopConfigSchema.shape.connectors;
    expect(instances.parse([{ name: 'crm-rest', breakAfterSameStatus: 0, config: {} }])[0]).toMatchObject({
      breakAfterSameStatus: 0,
    });
    expect(instances.safeParse([{ name: 'crm-rest', breakAfterSameStatus: -1, config: {} }]).success).toBe(false);
  });

  it('reports an unknown connector and every bad connector setting together, before starting anything', async () => {
    const base = await loadConfig('config/closeloop.yaml', {});
    const config = {
      ...base,
      connectors: [
        { name: 'sap-pm', source: true, sink: true, pollIntervalMs: 250, maxInFlight: 16, config: {} },
        {
          name: 'crm-rest',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: 'not a url' },
        },
        {
          name: 'posse',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: 'http://x', jurisdiction: 'b', departments: [] },
        },
      ],
    };
    let err: unknown;
    try {
      new Worker({ config, logger });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CloseloopError);
    const text = ((err as CloseloopError).details['problems'] as string[]).join('\n');
    expect(text).toContain('unknown connector sap-pm');
    expect(text).toContain('crm-rest: baseUrl');
    expect(text).toContain('crm-rest: jurisdiction');
    expect(text).toContain('posse: departments');
  });
});
