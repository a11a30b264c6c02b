import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { MAX_YAML_BYTES, parseYaml } from '../../../src/config/yaml.ts';
import { CloseloopError } from '../../../src/errors/index.ts';

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
    return (err as CloseloopError).details['problems'] as string[];
  }
  throw new Error('parsed');
}

describe('a key written twice in one mapping', () => {
  it('is refused at the second, with its path and the line of the first, in block and flow mappings alike', () => {
    const text = [
      'jurisdiction: baltimore',
      'routing:',
      '  services:',
      '    SR-POTHOLE: [{ department: transportation, system: maximo }]',
      '    SR-GRAFFITI: [{ department: housing, system: posse, system: maximo }]',
      '    SR-POTHOLE: [{ department: housing, system: posse }]',
      'jurisdiction: edmonton',
      '',
    ].join('\n');
    expect(problemsOf(() => parseYaml('c.yaml', text))).toEqual([
      'c.yaml:5:57: routing.services.SR-GRAFFITI.0.system: the key is written twice in its mapping (first at line 5): remove one, as YAML allows a key once',
      'c.yaml:6:5: routing.services.SR-POTHOLE: the key is written twice in its mapping (first at line 4): remove one, as YAML allows a key once',
      'c.yaml:7:1: jurisdiction: the key is written twice in its mapping (first at line 1): remove one, as YAML allows a key once',
    ]);
  });

  it('counts in its own mapping only, and as the text the key is read as: 1 and "1" are one key', () => {
    expect(parseYaml('c.yaml', 'a: { x: 1 }\nb: { x: 2 }\n')).toEqual({ a: { x: 1 }, b: { x: 2 } });
    expect(problemsOf(() => parseYaml('c.yaml', 'c: { 1: one, "1": also one }\n'))).toEqual([
      'c.yaml:1:14: c.1: the key is written twice in its mapping (first at line 1): remove one, as YAML allows a key once',
    ]);
  });
});

describe('repeated keys, named as the object read names them', () => {
  it('takes ~ and "" for one key, and null and "null" for two', () => {
    expect(problemsOf(() => parseYaml('c.yaml', 'codes:\n  ~: a\n  "": b\n'))).toEqual([
      expect.stringMatching(/^c\.yaml:3:3: codes\.: the key is written twice/),
    ]);
    expect(parseYaml('c.yaml', 'codes:\n  null: a\n  "null": b\n')).toEqual({ codes: { '': 'a', null: 'b' } });
  });
});

describe('a YAML file past the size a config may have', () => {
  it('is refused before it is parsed, with its size and the limit', async () => {
    const shipped = await readFile('config/closeloop.yaml', 'utf8');
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'cl-size-')), 'closeloop.yaml');
    const padded = `${shipped}\n${'# a comment to pad the file out past the limit\n'.repeat(MAX_YAML_BYTES / 40)}`;
    await writeFile(file, padded);
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: `${file}: ${Buffer.byteLength(padded)} bytes, more than the ${MAX_YAML_BYTES} a config file may have (README "Configuration")`,
    });
  });
});
