// Writes docs/connectors.md from the connectors' config schemas: node scripts/connector-docs.ts
// A test fails when the committed file differs from what this generates.
import { writeFile } from 'node:fs/promises';
import { connectorsReference } from '../test/support/connector-docs.ts';

await writeFile('docs/connectors.md', connectorsReference());
console.log('wrote docs/connectors.md');
