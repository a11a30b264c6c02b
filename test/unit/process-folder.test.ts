import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeChild } from '../support/child.ts';

const MODULE = new URL('../../scripts/process-folder.ts', import.meta.url).pathname;

/** A process that makes its folder twice, writes a file in it, prints it, then ends as told. */
async function run(end: 'return' | 'throw' | 'exit 3'): Promise<{ code: number | null; folders: string[] }> {
  const script = [
    `import { writeFileSync } from 'node:fs';`,
    `import { processFolder } from ${JSON.stringify(MODULE)};`,
    `const a = processFolder('closeloop-probe-'), b = processFolder('closeloop-probe-');`,
    `writeFileSync(a + '/file', 'x');`,
    `console.log(a); console.log(b);`,
    end === 'throw' ? `throw new Error('scenario failed');` : end === 'exit 3' ? `process.exit(3);` : '',
  ].join('\n');
  const { code, stdout } = await nodeChild(['--input-type=module', '-e', script]).exit;
  return { code, folders: stdout.trim().split('\n') };
}

describe('processFolder', () => {
  it.each(['return', 'throw', 'exit 3'] as const)(
    'is one folder per process and prefix, gone once the process ends (%s)',
    async (end) => {
      const { code, folders } = await run(end);
      expect(code).toBe({ return: 0, throw: 1, 'exit 3': 3 }[end]);
      expect(folders).toHaveLength(2);
      expect(folders[1]).toBe(folders[0]);
      expect(path.dirname(folders[0] ?? '')).toBe(tmpdir());
      expect(path.basename(folders[0] ?? '')).toMatch(/^closeloop-probe-.{6}$/);
      expect(existsSync(folders[0] ?? '')).toBe(false);
    },
  );

  it("holds this test run's temporary files, for the processes it starts too (vitest.config.ts)", () => {
    expect(path.basename(tmpdir())).toMatch(/^closeloop-test-.{6}$/);
    expect(existsSync(tmpdir())).toBe(true);
    expect(execFileSync('sh', ['-c', 'printf %s "$TMPDIR"'], { encoding: 'utf8' })).toBe(tmpdir());
  });
});
