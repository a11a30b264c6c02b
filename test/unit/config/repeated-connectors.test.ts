import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { connectorChecker } from '../../../src/worker/connector-check.ts';
import { Worker } from '../../../src/worker/worker.ts';

const TOKENS = { CRM_API_TOKEN: 'crm-token', POSSE_API_TOKEN: 'posse-token' };

/** Housing's POSSE installation and permits' one, as two instances of the posse connector. */
async function twoPosseInstances(extra = ''): Promise<string> {
  const mappings = path.resolve('config/status-mappings');
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'closeloop-config-')), 'closeloop.yaml');
  await writeFile(
    file,
    `
jurisdiction: testville
kafka: { brokers: ['127.0.0.1:19092'] }
schemaRegistry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' }
statusMappings: [${mappings}/posse.yaml]
connectors:
  - name: crm-rest
    config: { baseUrl: 'http://127.0.0.1:18897', jurisdiction: testville }
  - name: posse
    config: { baseUrl: 'http://127.0.0.1:18898', jurisdiction: testville, departments: [housing] }
  - name: posse
    config: { baseUrl: 'http://127.0.0.1:18899', jurisdiction: testville, departments: [permits] }
routing:
  services:
    SR-HIGH-GRASS: [{ department: housing, system: posse }]
    SR-PERMIT-CHECK: [{ department: permits, system: posse }]
${extra}`,
  );
  return file;
}

async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  const err = await load.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
  return (err as CloseloopError).details['problems'] as string[];
}

describe('a connector named twice in the config', () => {
  it('is refused naming both entries, though each route counts as served, and says how to serve both departments', async () => {
    const file = await twoPosseInstances();
    const problems = await problemsOf(
      loadConfig(file, TOKENS, { checkConnector: connectorChecker({ credentials: true }) }),
    );
    expect(problems).toEqual([
      `${file}: connectors.2: a second posse instance (connectors.1 is posse too): the worker runs one instance ` +
        `of each connector; list the departments of both in one instance's config (its departments) and remove ` +
        `the other (two installations of one connector cannot both be served)`,
    ]);
  });

  it('is refused by tools that load no connector, and reported with every other problem of the file', async () => {
    const file = await twoPosseInstances('processor: { partitions: 0 }\n');
    const problems = await problemsOf(loadConfig(file, {}));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain(`${file}: processor.partitions:`);
    expect(problems.join('\n')).toContain(`${file}: connectors.2: a second posse instance (connectors.1 is posse too)`);
  });

  it('is refused by the worker too, when a config built in code names one twice', async () => {
    const base = await loadConfig('config/closeloop.yaml', {});
    const posse = base.connectors.find((c) => c.name === 'posse');
    if (!posse) throw new Error('the shipped config has no posse instance');
    const config = {
      ...base,
      connectors: [...base.connectors, { ...posse, config: { ...posse.config, departments: ['permits'] } }],
    };
    expect(
      () => new Worker({ config, logger: createLogger({ level: 'silent' }), env: { ...TOKENS, MAXIMO_API_KEY: 'k' } }),
    ).toThrow(/connectors: a second posse instance: the worker runs one instance of each connector/);
  });
});
