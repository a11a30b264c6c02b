import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PyPI client checked against; pinned so that a new release cannot change the verdict. */
const CLIENT = 'georeport==0.3.1';
// Kept with the dependencies, not in the test run's temporary folder, which goes with the run.
const VENV = new URL('../../node_modules/.cache/closeloop-georeport-0.3.1', import.meta.url).pathname;
const SCRIPT = new URL('./georeport_client.py', import.meta.url).pathname;

export interface ClientCall {
  readonly format: 'json' | 'xml';
  readonly method: 'get_service_list' | 'get_service_requests' | 'get_service_request';
  readonly args?: Readonly<Record<string, string>>;
}

export type ClientResult = { ok: unknown } | { error: string; status: number | null };

/** A virtual environment of its own, made once per install of the dependencies: the system Python stays untouched. */
async function python(): Promise<string> {
  const bin = join(VENV, 'bin', 'python');
  if (!existsSync(join(VENV, '.ready'))) {
    await run('python3', ['-m', 'venv', VENV]);
    await run(bin, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', CLIENT], { timeout: 120_000 });
    await run(bin, ['-c', `open(${JSON.stringify(join(VENV, '.ready'))}, 'w').close()`]);
  }
  return bin;
}

export async function georeportClient(
  root: string,
  jurisdiction: string,
  calls: readonly ClientCall[],
): Promise<ClientResult[]> {
  const { stdout } = await run(await python(), [SCRIPT, root, jurisdiction, JSON.stringify(calls)], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ClientResult[];
}
