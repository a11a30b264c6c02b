import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';

/** A config of its own with the given topics section (YAML flow mapping) and processor group. */
async function configWith(topics: string, groupId = 'opsrev-processor'): Promise<string> {
  const mappings = path.resolve('config/status-mappings');
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'closeloop-config-')), 'closeloop.yaml');
  await writeFile(
    file,
    `
jurisdiction: testville
kafka: { brokers: ['127.0.0.1:19092'] }
schemaRegistry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' }
topics: ${topics}
processor: { groupId: ${groupId} }
statusMappings: [${mappings}/posse.yaml]
routing: { services: { SR-HIGH-GRASS: [{ department: housing, system: posse }] } }
`,
  );
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  const err = await loadConfig(file, {}).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
  return (err as CloseloopError).details['problems'] as string[];
}

describe('two entries of the topic catalogue under one name', () => {
  it('refuses two topic keys naming one topic, naming both keys, before anything connects', async () => {
    const file = await configWith('{ quarantine: opsrev.shared.v1, alerts: opsrev.shared.v1 }');
    expect(await problemsOf(file)).toEqual([
      `${file}: topics.alerts: names the topic opsrev.shared.v1, which is also topics.quarantine; ` +
        'each topic of the pipeline needs a name of its own',
    ]);
  });

  it('refuses it for topics with no schema too (cursors and the replay audit)', async () => {
    const file = await configWith('{ cursors: opsrev.plain, dlqReplays: opsrev.plain }');
    expect((await problemsOf(file)).join('\n')).toContain(
      'topics.dlqReplays: names the topic opsrev.plain, which is also topics.cursors;',
    );
  });

  it('refuses a topic named as a derived one: a dead-letter topic or a repartition topic', async () => {
    const file = await configWith(
      '{ commands: opsrev.commands, quarantine: opsrev.commands.dlq, ' +
        'links: opsrev-processor-opsrev.crm-repartition, crmEvents: opsrev.crm }',
    );
    expect(await problemsOf(file)).toEqual([
      `${file}: topics.links: names the topic opsrev-processor-opsrev.crm-repartition, which is also ` +
        'the repartition topic of topics.crmEvents; each topic of the pipeline needs a name of its own',
      `${file}: topics.quarantine: names the topic opsrev.commands.dlq, which is also ` +
        'the dead-letter topic of topics.commands; each topic of the pipeline needs a name of its own',
    ]);
  });

  it('reports a clash once, not again for the dead-letter and repartition topics derived from it', async () => {
    const file = await configWith('{ crmEvents: opsrev.events, deptEvents: opsrev.events }');
    expect(await problemsOf(file)).toEqual([
      `${file}: topics.deptEvents: names the topic opsrev.events, which is also topics.crmEvents; ` +
        'each topic of the pipeline needs a name of its own',
    ]);
  });

  it('accepts the shipped config and one whose topics are all its own', async () => {
    await expect(loadConfig('config/closeloop.yaml', {})).resolves.toBeDefined();
    await expect(loadConfig(await configWith('{ quarantine: opsrev.q, alerts: opsrev.a }'), {})).resolves.toBeDefined();
  });
});
