import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { withoutUserinfo } from '../../../src/config/env-overrides.ts';
import { CloseloopError } from '../../../src/errors/index.ts';

const FILE = 'config/closeloop.yaml';

async function problemsOf(env: NodeJS.ProcessEnv): Promise<string[]> {
  const err = await loadConfig(FILE, env).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
  return (err as CloseloopError).details['problems'] as string[];
}

describe('an address the environment sets in place of the file', () => {
  it('is blamed on KAFKA_BROKERS, with its value, when it is no broker list; the file is not', async () => {
    const problems = await problemsOf({ KAFKA_BROKERS: 'kafka-1 kafka-2' });
    expect(problems).toEqual([
      `KAFKA_BROKERS="kafka-1 kafka-2" (from the environment, in place of kafka.brokers in ${FILE}): ` +
        '"kafka-1 kafka-2" is not host:port (brokers are host:port, comma-separated)',
    ]);
  });

  it('names each bad broker of the list once', async () => {
    const problems = await problemsOf({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2, kafka-3' });
    expect(problems).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS="kafka-1:9092,kafka-2, kafka-3" .*: "kafka-2" is not host:port/),
      expect.stringMatching(/^KAFKA_BROKERS=.*: "kafka-3" is not host:port/),
    ]);
  });

  it('refuses a port of 0 or past 65535, once, which would fail only at the first connection', async () => {
    expect(
      await problemsOf({ KAFKA_BROKERS: '127.0.0.1:99999,127.0.0.1:65536,127.0.0.1:0,127.0.0.1:00,127.0.0.1:9092' }),
    ).toEqual([
      expect.stringMatching(/: "127\.0\.0\.1:99999" is not host:port, the port from 1 to 65535 \(brokers/),
      expect.stringMatching(/: "127\.0\.0\.1:65536" is not host:port, the port from 1 to 65535 \(brokers/),
      expect.stringMatching(/: "127\.0\.0\.1:0" is not host:port, the port from 1 to 65535 \(brokers/),
      expect.stringMatching(/: "127\.0\.0\.1:00" is not host:port, the port from 1 to 65535 \(brokers/),
    ]);
    await expect(loadConfig(FILE, { KAFKA_BROKERS: '127.0.0.1:65535,127.0.0.1:1' })).resolves.toBeDefined();
  });

  it('is blamed on SCHEMA_REGISTRY_URL, without the user name and password the URL carries', async () => {
    const problems = await problemsOf({ SCHEMA_REGISTRY_URL: 'registry:8081' });
    expect(problems).toEqual([
      `SCHEMA_REGISTRY_URL="registry:8081" (from the environment, in place of schemaRegistry.url in ${FILE}): ` +
        'an http(s) URL, e.g. http://127.0.0.1:8081',
    ]);
    const withSecret = await problemsOf({ SCHEMA_REGISTRY_URL: 'ftp://svc:s3cr@t/x@registry:8081' });
    expect(withSecret).toEqual([expect.stringMatching(/^SCHEMA_REGISTRY_URL="ftp:\/\/\*\*\*@registry:8081" /)]);
    expect(withSecret.join('\n')).not.toMatch(/svc|s3cr/);
  });

  it('blames only the variable that is wrong, and takes a good list as it is', async () => {
    const problems = await problemsOf({ KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http//registry' });
    expect(problems).toEqual([expect.stringMatching(/^SCHEMA_REGISTRY_URL="http\/\/registry" /)]);
    await expect(loadConfig(FILE, { KAFKA_BROKERS: 'a:1, b:2' })).resolves.toMatchObject({
      kafka: { brokers: ['a:1', 'b:2'] },
    });
  });

  it('still blames the file for the rest of its section', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-config-'));
    const file = path.join(dir, 'closeloop.yaml');
    const shipped = await readFile(FILE, 'utf8');
    await writeFile(file, shipped.replace('  clientId: closeloop\n', "  clientId: ''\n"));
    const err = await loadConfig(file, { KAFKA_BROKERS: '127.0.0.1:19092' }).catch((e: unknown) => e);
    expect((err as CloseloopError).details['problems']).toEqual([expect.stringMatching(`^${file}: kafka.clientId: `)]);
  });

  it('leaves a section the file wrote as no mapping to be refused as such, not as keys "0", "1", …', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-config-'));
    const file = path.join(dir, 'closeloop.yaml');
    const shipped = await readFile(FILE, 'utf8');
    await writeFile(
      file,
      shipped
        .replace("kafka:\n  brokers: ['127.0.0.1:19092']\n  clientId: closeloop\n", 'kafka: 127.0.0.1:19092\n')
        .replace(/^schemaRegistry:\n {2}url: (.*)\n/m, 'schemaRegistry: [$1]\n'),
    );
    const err = await loadConfig(file, {
      KAFKA_BROKERS: 'kafka-1:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
    }).catch((e: unknown) => e);
    expect((err as CloseloopError).details['problems']).toEqual([
      `${file}: kafka: Invalid input: expected object, received string`,
      `${file}: schemaRegistry: Invalid input: expected object, received array`,
    ]);
  });

  it("keeps the file's registry time-outs when it sets the registry's address", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-config-'));
    // The files the config names (status mappings, calendars, …) are found beside it.
    await cp(path.dirname(FILE), dir, { recursive: true });
    const file = path.join(dir, 'closeloop.yaml');
    const shipped = await readFile(FILE, 'utf8');
    await writeFile(
      file,
      shipped.replace('schemaRegistry:\n', 'schemaRegistry:\n  timeoutMs: 30000\n  unknownIdWaitMs: 0\n'),
    );
    const config = await loadConfig(file, { SCHEMA_REGISTRY_URL: 'https://registry.example:8081' });
    expect(config.schemaRegistry).toEqual({
      url: 'https://registry.example:8081',
      timeoutMs: 30_000,
      unknownIdWaitMs: 0,
    });
    // Left out, they are the serde's defaults; out of range, the file's problem, named.
    await expect(loadConfig(FILE, {})).resolves.toMatchObject({
      schemaRegistry: { timeoutMs: 10_000, unknownIdWaitMs: 5_000 },
    });
    await writeFile(file, shipped.replace('schemaRegistry:\n', 'schemaRegistry:\n  timeoutMs: 50\n'));
    const err = await loadConfig(file, {}).catch((e: unknown) => e);
    expect((err as CloseloopError).details['problems']).toEqual([
      expect.stringMatching(`^${file}: schemaRegistry.timeoutMs: `),
    ]);
  });

  it('cuts the user information out of a URL, whatever it holds', () => {
    expect(withoutUserinfo('http://registry:8081/apis')).toBe('http://registry:8081/apis');
    expect(withoutUserinfo('https://user:pa@ss@registry')).toBe('https://***@registry');
    expect(withoutUserinfo('user:pass@registry:8081')).toBe('***@registry:8081');
  });
});
