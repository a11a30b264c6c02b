import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { connectorsReference } from '../support/connector-docs.ts';

describe('connector config reference', () => {
  it('is up to date with the config schemas (run node scripts/connector-docs.ts)', async () => {
    expect(await readFile('docs/connectors.md', 'utf8')).toBe(connectorsReference());
  });

  it('documents every setting with its default or as required', () => {
    const doc = connectorsReference();
    for (const setting of ['baseUrl', 'jurisdiction', 'tokenEnv', 'pageSize', 'timeoutMs', 'departments'])
      expect(doc).toContain(`\`${setting}\``);
    expect(doc).toContain('`"CRM_API_TOKEN"`');
    expect(doc).toMatch(/`baseUrl` \| string \(uri\) \| required/);
  });
});
