#!/usr/bin/env node
// Runs the built CLI when there is one (installed packages), else the TypeScript source
// directly (a checkout, on Node 24, which strips types itself).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/cli/main.js', import.meta.url);
await import(existsSync(fileURLToPath(built)) ? built.href : new URL('../src/cli/main.ts', import.meta.url).href);
