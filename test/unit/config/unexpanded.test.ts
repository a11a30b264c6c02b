import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { unexpandedVariables } from '../../../src/config/unexpanded.ts';
import { testConfig } from '../../support/processor.ts';

describe('a value written as a variable to expand', () => {
  it.each([
    '${CLOSELOOP_CLIENT_ID}',
    'http://${HOST}:8081',
    '${PORT:-8081}',
    '$CLIENT_ID',
    '$KAFKA_HOST:9092',
    'http://$REGISTRY_HOST:8081',
    'http://$HOST/apis/ccompat/v7',
    'http://admin:$REGPASS@127.0.0.1:8081',
    'kafka-1:$PORT',
    'https://$TENANT.maximo.example.com',
    '$KAFKA_HOST.svc:9092',
    'http://$HOST-1:8081',
  ])('is refused where it stands: %s', (value) => {
    const problems = unexpandedVariables('c.yaml', { kafka: { clientId: value, brokers: ['a:1'] } });
    expect(problems).toEqual([expect.stringMatching(/^c\.yaml: kafka\.clientId: \$.* is not expanded/)]);
  });

  it('names a place in a list, and lets ordinary text with a dollar pass', () => {
    expect(unexpandedVariables('c.yaml', { kafka: { brokers: ['a:1', '${BROKER}'] } })).toEqual([
      expect.stringMatching(/^c\.yaml: kafka\.brokers\.1: \$\{BROKER\} is not expanded/),
    ]);
    expect(
      unexpandedVariables('c.yaml', {
        note: 'costs $5 a day',
        price: '$ 10',
        id: 'a$b',
        url: 'http://h:8081/a$b/x',
        pattern: 'x$y:z',
        port: 'h:$5',
      }),
    ).toEqual([]);
  });

  it('in an address names the variable alone, not the rest of the value (a password may be there)', () => {
    expect(
      unexpandedVariables('c.yaml', {
        schemaRegistry: { url: 'http://admin:$REGPASS@127.0.0.1:8081' },
        kafka: { brokers: ['kafka-1:9092', '$KAFKA_HOST:9092'] },
      }),
    ).toEqual([
      expect.stringMatching(/^c\.yaml: schemaRegistry\.url: \$REGPASS is not expanded: the config is read as written/),
      expect.stringMatching(/^c\.yaml: kafka\.brokers\.1: \$KAFKA_HOST is not expanded/),
    ]);
  });

  // KAFKA_BROKERS and SCHEMA_REGISTRY_URL are the documented way to give the addresses: the
  // placeholder they replace is never read.
  it('passes a value the environment replaces, and still names one beside it', async () => {
    expect(
      unexpandedVariables(
        'c.yaml',
        { kafka: { brokers: ['$KAFKA_HOST:9092'], clientId: '$CLIENT' }, schemaRegistry: { url: 'http://$REG/x' } },
        [
          ['kafka', 'brokers'],
          ['schemaRegistry', 'url'],
        ],
      ),
    ).toEqual([expect.stringMatching(/^c\.yaml: kafka\.clientId: \$CLIENT is not expanded/)]);
    const { file } = await testConfig(1, 30, { brokers: 'kafka-0:9092', registryUrl: 'http://127.0.0.1:1' });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('kafka-0:9092');
    await writeFile(file, text.replace('kafka-0:9092', '$KAFKA_HOST:9092'));
    const config = await loadConfig(file, { KAFKA_BROKERS: 'kafka-1:9092' });
    expect(config.kafka.brokers).toEqual(['kafka-1:9092']);
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      message: expect.stringContaining('$KAFKA_HOST is not expanded'),
    });
  });

  it('fails the load with every other problem, and the shipped config has none', async () => {
    const shipped = await readFile('config/closeloop.yaml', 'utf8');
    await expect(loadConfig('config/closeloop.yaml', {})).resolves.toBeDefined();
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'cl-unexpanded-')), 'closeloop.yaml');
    await writeFile(file, shipped.replace('clientId: closeloop', 'clientId: ${CLOSELOOP_CLIENT_ID}'));
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: expect.stringContaining('kafka.clientId: ${CLOSELOOP_CLIENT_ID} is not expanded'),
    });
  });
});
