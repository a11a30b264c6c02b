import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError, SUGGEST_KEYS } from '../../../src/errors/index.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { connectorChecker } from '../../../src/worker/connector-check.ts';

const messages = (schema: z.ZodType, input: unknown) =>
  schema.safeParse(input, SUGGEST_KEYS).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('an unknown key in a config file', () => {
  const schema = z.strictObject({
    processor: z.strictObject({ partitions: z.number().optional(), groupId: z.string().optional() }),
    statusMappings: z.array(z.string()).optional(),
  });

  it('is told with the key meant: a slip of a letter or two, or of case', () => {
    expect(messages(schema, { processor: { partitons: 6 }, StatusMappings: [] })).toEqual([
      'processor: Unrecognized key: "partitons" (did you mean "partitions"?)',
      ': Unrecognized key: "StatusMappings" (did you mean "statusMappings"?)',
    ]);
  });

  it('lists the keys there are when nothing is near, or the near one is given already', () => {
    expect(messages(schema, { processor: { partitions: 6, partitons: 3, threads: 2 } })).toEqual([
      'processor: Unrecognized keys: "partitons", "threads"; the keys here are partitions, groupId',
    ]);
  });

  it('is told so in the config, a connector setting and an import mapping', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-keys-'));
    await cp('config', dir, { recursive: true });
    const file = path.join(dir, 'closeloop.yaml');
    const yaml = (await readFile(file, 'utf8'))
      .replace('roles: roles.yaml', 'role: roles.yaml')
      .replace('departments: [housing], timeZone', 'departments: [housing], pagesize: 5, timeZone');
    await writeFile(file, yaml);
    const err = await loadConfig(file, {}, { checkConnector: connectorChecker({ credentials: false }) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloseloopError);
    const problems = (err as CloseloopError).details['problems'] as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: \(root\): Unrecognized key: "role" \(did you mean "roles"\?\)$/),
        expect.stringMatching(/posse: \(root\): Unrecognized key: "pagesize" \(did you mean "pageSize"\?\)$/),
      ]),
    );
    const mapping = () => parseImportMapping({ jurisdiction: 'x', timezone: 'UTC' }, 'city.yaml');
    expect(mapping).toThrow(/city\.yaml: \(root\): Unrecognized key: "timezone" \(did you mean "timeZone"\?\)/);
  });
});
