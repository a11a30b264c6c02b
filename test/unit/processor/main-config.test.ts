import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { exited, nodeChild } from '../../support/child.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The shipped config folder, copied, with `edit` applied to closeloop.yaml; its file. */
interface ConfigDoc {
  routing: { services: Record<string, unknown> };
  kafka: { brokers: string[] };
}

async function shippedConfig(edit: (doc: ConfigDoc) => void): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-processor-'));
  dirs.push(dir);
  await cp('config', dir, { recursive: true });
  const file = path.join(dir, 'closeloop.yaml');
  const doc = parse(await readFile(file, 'utf8')) as ConfigDoc;
  edit(doc);
  await writeFile(file, stringify(doc));
  return file;
}

describe('the processor run alone (`npm run processor`) loads its config as `closeloop run` does', () => {
  it('refuses a route none of the config’s connectors serves, before it connects to anything', async () => {
    const file = await shippedConfig((doc) => {
      doc.routing.services['SR-WATER-LEAK'] = [{ department: 'housing', system: 'sap-pm' }];
      // Nothing listens there: a processor that went on to connect would fail on Kafka instead.
      doc.kafka.brokers = ['127.0.0.1:1'];
    });
    const run = nodeChild(['src/processor/main.ts', '--config', file], { env: { LOG_LEVEL: 'silent' } });
    const end = await exited(run, 'the processor on a config with an unserved route', 60_000);
    expect(end.code).toBe(1);
    expect(end.stderr).toContain('routing.services.SR-WATER-LEAK: no connector sink serves housing on sap-pm');
  }, 90_000);
});
