import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';

async function configFile(text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'cl-yaml-')), 'closeloop.yaml');
  await writeFile(file, text);
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

describe('a YAML tag the reader does not know', () => {
  const warned = vi.fn();
  beforeEach(() => process.on('warning', warned));
  afterEach(() => {
    process.off('warning', warned);
    warned.mockReset();
  });

  it('is refused at its line and column, naming the tag, not read as the variable name it precedes', async () => {
    const shipped = await readFile('config/closeloop.yaml', 'utf8');
    const text = shipped
      .replace(/^jurisdiction: .*$/m, 'jurisdiction: !env CITY')
      .replace('clientId: closeloop', 'clientId: !ENV CLOSELOOP_CLIENT_ID');
    const file = await configFile(text);
    const lines = text.split('\n');
    const jurisdictionLine = lines.findIndex((l) => l.startsWith('jurisdiction:')) + 1;
    const clientIdLine = lines.findIndex((l) => l.includes('clientId: !ENV')) + 1;
    const clientIdColumn = (lines[clientIdLine - 1] ?? '').indexOf('!ENV') + 1;
    const problems = await problemsOf(loadConfig(file, { CITY: 'edmonton', CLOSELOOP_CLIENT_ID: 'edm' }));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^${file}:${jurisdictionLine}:15: Unresolved tag: !env: the file is read as written`),
      ),
      expect.stringMatching(new RegExp(`^${file}:${clientIdLine}:${clientIdColumn}: Unresolved tag: !ENV:`)),
    ]);
    expect(problems[0]).toContain('KAFKA_BROKERS, SCHEMA_REGISTRY_URL');
    // Reported once, as the config's problem, not also as a Node warning on stderr.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warned).not.toHaveBeenCalled();
  });

  it('is refused in a file the config names (a status mapping) as well', async () => {
    const mapping = await readFile('config/status-mappings/posse.yaml', 'utf8');
    const dir = await mkdtemp(path.join(tmpdir(), 'cl-yaml-'));
    await writeFile(path.join(dir, 'posse.yaml'), mapping.replace(/^system: .*$/m, 'system: !env SYSTEM'));
    const shipped = await readFile('config/closeloop.yaml', 'utf8');
    const file = path.join(dir, 'closeloop.yaml');
    await writeFile(file, shipped.replace(/^statusMappings:\n(?: {2}- .*\n)+/m, 'statusMappings:\n  - posse.yaml\n'));
    const problems = await problemsOf(loadConfig(file, {}));
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`^${dir}/posse\\.yaml:\\d+:9: Unresolved tag: !env:`)),
    );
  });

  it('counts columns of a file that starts with a byte-order mark as an editor shows them', async () => {
    const file = await configFile('\uFEFFjurisdiction: !env CITY\n');
    expect(await problemsOf(loadConfig(file, {}))).toContainEqual(
      expect.stringMatching(new RegExp(`^${file}:1:15: Unresolved tag: !env:`)),
    );
  });
});
