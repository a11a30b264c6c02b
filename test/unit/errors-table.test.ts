import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors/catalog.ts';

// The README's table of error codes is what operators and integrators read; it had fallen five
// codes behind the catalogue. Every code, its stage and whether it is retriable, as one place says.
describe("the README's error table", () => {
  it('lists every code of the catalogue, with its stage and retriable, and no other', () => {
    const lines = readFileSync('README.md', 'utf8').split('\n');
    const head = lines.findIndex((l) => /^\| code +\| stage +\| retriable +\|$/.test(l));
    expect(head).toBeGreaterThan(0);
    const rows = new Map<string, { stage: string; retriable: boolean }>();
    for (const line of lines.slice(head + 2)) {
      if (!line.startsWith('|')) break;
      const [, code = '', stage = '', retriable = ''] = line.split('|').map((c) => c.trim());
      rows.set(code.replaceAll('`', ''), { stage, retriable: retriable.startsWith('yes') });
    }
    const catalogue = Object.fromEntries(
      Object.entries(ERROR_CATALOG).map(([code, e]) => [code, { stage: e.stage, retriable: e.retriable }]),
    );
    expect(Object.fromEntries(rows)).toEqual(catalogue);
  });
});
