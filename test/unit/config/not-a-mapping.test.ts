import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';

describe('a config file that is not a YAML mapping', () => {
  it.each([
    ['hello', 'a string'],
    ['42', 'a number'],
    ['- kafka\n- schemaRegistry', 'a list'],
  ])('%j is refused as %s, not as keys "0", "1", …', async (text, what) => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'closeloop-config-')), 'closeloop.yaml');
    await writeFile(file, text);
    const err = await loadConfig(file, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: `${file}: the config must be a YAML mapping (kafka:, schemaRegistry:, …), not ${what}`,
    });
  });
});
