// `npm run build`: compiles to dist/ (or the folder given) and copies beside the JavaScript the
// files the code reads at run time. They are found two folders up from a module, in a checkout
// (src/x/y.ts -> ./) as in a build (dist/src/x/y.js -> dist/): without them the built CLI, which
// bin/closeloop.js prefers, failed at its first line reading package.json, and every command
// needing a schema could not find one. Plain JavaScript: it runs on whichever Node is on PATH.
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const out = process.argv[2] ?? 'dist';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
cpSync('src/public/views', path.join(out, 'src/public/views'), { recursive: true });
cpSync('schemas', path.join(out, 'schemas'), { recursive: true });
cpSync('package.json', path.join(out, 'package.json'));
