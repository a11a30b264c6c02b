import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { DEFAULT_ORDERING } from '../../src/domain/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';

/** The shipped config with `processor` replaced, written where a test may write. */
async function configWith(processor: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const shipped = parse(await readFile('config/closeloop.yaml', 'utf8')) as Record<string, unknown>;
  const abs = (p: string) => path.resolve('config', p);
  const yaml = {
    ...shipped,
    statusMappings: (shipped['statusMappings'] as string[]).map(abs),
    roles: abs(shipped['roles'] as string),
    sla: undefined,
    processor,
    ...extra,
  };
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'closeloop-ordering-')), 'closeloop.yaml');
  await writeFile(file, stringify(yaml));
  return file;
}

describe('processor.ordering', () => {
  it('defaults the bounds decide() judges positions by', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(config.policy.ordering).toEqual(DEFAULT_ORDERING);
    expect(DEFAULT_ORDERING).toEqual({ maxSequenceJump: 100_000, maxFutureMs: 86_400_000 });
    const partial = await loadConfig(await configWith({ groupId: 'g', ordering: { maxSequenceJump: 500 } }), {});
    expect(partial.policy.ordering).toEqual({ maxSequenceJump: 500, maxFutureMs: 86_400_000 });
  });

  it('reports bad bounds, unknown keys and other problems all at once', async () => {
    const file = await configWith(
      { ordering: { maxSequenceJump: 0, maxFutureMs: 1_000, maxPastMs: 5 } },
      { jurisdiction: '' },
    );
    const err = await loadConfig(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    const problems = ((err as CloseloopError).details['problems'] as string[]).map((p) => p.replace(`${file}: `, ''));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^processor\.ordering\.maxSequenceJump: /),
        expect.stringMatching(/^processor\.ordering\.maxFutureMs: /),
        expect.stringMatching(/^processor\.ordering: .*maxPastMs/),
        expect.stringMatching(/^jurisdiction: /),
      ]),
    );
  });
});
