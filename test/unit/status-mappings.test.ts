import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadStatusMapping } from '../../src/config/index.ts';
import { unmappedKnownCodes } from '../../src/domain/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';

describe('shipped status mappings', () => {
  it.each([
    ['posse', ['NOT_OURS', 'ASSIGNED_CLOSED', 'NO_VIOLATION']],
    ['maximo', ['WAPPR', 'APPR', 'WSCH', 'WMATL', 'INPRG', 'COMP', 'CLOSE', 'CAN']],
    ['sap-pm', ['CRTD', 'REL', 'TECO', 'CLSD']],
  ])('%s maps every known code', async (name, mustKnow) => {
    const m = await loadStatusMapping(`config/status-mappings/${name}.yaml`);
    expect(m.knownCodes).toEqual(expect.arrayContaining(mustKnow));
    expect(unmappedKnownCodes(m)).toEqual([]);
  });

  it('maps completion signals to COMPLETED and never "closed" to an interim state', async () => {
    const maximo = await loadStatusMapping('config/status-mappings/maximo.yaml');
    const sap = await loadStatusMapping('config/status-mappings/sap-pm.yaml');
    expect([maximo.codes['COMP']?.state, maximo.codes['CLOSE']?.state]).toEqual(['COMPLETED', 'COMPLETED']);
    expect([sap.codes['TECO']?.state, sap.codes['CLSD']?.state]).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('rejects a mapping that leaves a known code unmapped, naming every one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-mapping-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      'system: bad\nknownCodes: [A, B, C]\ncodes:\n  A: { state: COMPLETED }\n  X: { state: DONE }\n',
    );
    const err = await loadStatusMapping(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    const msg = (err as CloseloopError).message;
    expect(msg).toContain('known code B is not mapped');
    expect(msg).toContain('known code C is not mapped');
    expect(msg).toContain('codes.X.state');
  });

  it('loads the shipped worker config with every mapping it names', async () => {
    const cfg = await loadConfig('config/closeloop.yaml', {});
    expect(Object.keys(cfg.policy.mappings).sort()).toEqual(['maximo', 'posse', 'sap-pm']);
    expect(cfg.policy.routing['SR-GRAFFITI']).toEqual([{ department: 'housing', system: 'posse' }]);
    expect(Object.isFrozen(cfg.policy.routing)).toBe(true);
  });

  it('reports every config problem at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-config-'));
    const file = path.join(dir, 'c.yaml');
    await writeFile(
      file,
      'jurisdiction: ""\nkafka: { brokers: [nope] }\nschemaRegistry: { url: not-a-url }\nstatusMappings: []\nrouting: { services: {} }\n',
    );
    const err = (await loadConfig(file, {}).catch((e: unknown) => e)) as CloseloopError;
    expect(err.code).toBe('CL_CONFIG_INVALID');
    for (const p of ['jurisdiction', 'kafka.brokers.0', 'schemaRegistry.url', 'statusMappings'])
      expect(err.message).toContain(p);
  });
});
