// A folder under the system's temporary folder that lives as long as the process that made it.
// The test run and the bench put what they write for themselves there, so that run after run
// leaves nothing behind, even where a test forgets to clean up or a scenario fails half-way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made = new Map<string, string>();

/**
 * The process's folder for `prefix` ("closeloop-bench-"), made on first use and removed when the
 * process exits, after a failure too. A process killed by a signal it does not handle leaves it.
 */
export function processFolder(prefix: string): string {
  const known = made.get(prefix);
  if (known !== undefined) return known;
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  made.set(prefix, folder);
  return folder;
}
