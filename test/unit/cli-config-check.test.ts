import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigCheck } from '../../src/cli/config-command.ts';

const TOKENS = { CRM_API_TOKEN: 'a', POSSE_API_TOKEN: 'b', MAXIMO_API_KEY: 'c' };

async function withPosse(posse: string): Promise<string> {
  const mappings = path.resolve('config/status-mappings');
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'cl-config-check-')), 'closeloop.yaml');
  await writeFile(
    file,
    `
jurisdiction: testville
kafka: { brokers: ['127.0.0.1:9092'] }
schemaRegistry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' }
statusMappings: [${mappings}/posse.yaml]
connectors:
  - name: posse
    config: { baseUrl: 'http://127.0.0.1:8082', jurisdiction: testville, departments: [housing]${posse} }
routing:
  services:
    GRASS: [{ department: housing, system: posse }]
`,
  );
  return file;
}

describe('closeloop config check', () => {
  it('passes the shipped config, with its credentials or told to leave them out', async () => {
    const lines: string[] = [];
    expect(
      await runConfigCheck({ config: 'config/closeloop.yaml', credentials: true }, (l) => lines.push(l), TOKENS),
    ).toBe(0);
    expect(
      await runConfigCheck({ config: 'config/closeloop.yaml', credentials: false }, (l) => lines.push(l), {}),
    ).toBe(0);
    expect(lines).toEqual([
      'config/closeloop.yaml: valid for run: 3 connector(s) (crm-rest, posse, maximo), 6 routed service(s)',
      'config/closeloop.yaml: valid for run: 3 connector(s) (crm-rest, posse, maximo), 6 routed service(s); credentials not checked',
    ]);
  });

  it('refuses what run refuses and the other commands let pass: a connector setting, a missing credential', async () => {
    const bad = await withPosse(', timeZone: America/NewYork');
    await expect(runConfigCheck({ config: bad, credentials: false }, () => undefined, {})).rejects.toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: expect.stringContaining('posse: timeZone: "America/NewYork" is not an IANA time zone'),
    });
    const good = await withPosse('');
    await expect(runConfigCheck({ config: good, credentials: true }, () => undefined, {})).rejects.toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: expect.stringContaining('environment variable POSSE_API_TOKEN is not set'),
    });
    expect(await runConfigCheck({ config: good, credentials: true }, () => undefined, TOKENS)).toBe(0);
  });
});
