import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';

export class StackToolMissingError extends Error {
  override readonly name = 'StackToolMissingError';
}

export async function requireTool(cmd: string, label: string): Promise<void> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`], { what: `looking for ${label}`, quiet: true });
  } catch {
    throw new StackToolMissingError(
      `${label} ('${cmd}') is not on PATH. The local stack runs Kafka and Apicurio on the JVM: ` +
        'install Java 17+ and Maven 3.8+ (Debian: apt-get install openjdk-17-jre-headless maven), ' +
        'or point KAFKA_BROKERS and SCHEMA_REGISTRY_URL at a running stack, or use docker compose.',
    );
  }
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { what: string; cwd?: string; quiet?: boolean },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => reject(new Error(`${opts.what}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${opts.what} failed (exit ${code}):\n${opts.quiet ? '' : out.slice(-4000)}`));
    });
  });
}

/** Starts a long-lived process detached from this one, its output appended to logFile. */
export function spawnDetached(cmd: string, args: readonly string[], cwd: string, logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function cmdline(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * A pid file names a process of ours only while that pid is alive and its command line still
 * carries our marker; otherwise the pid may have been reused by an unrelated process.
 */
export async function ownedPid(pidFile: string, marker: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
  const line = await cmdline(pid);
  return line?.includes(marker) ? pid : undefined;
}

export async function writePid(pidFile: string, pid: number): Promise<void> {
  await writeFile(pidFile, `${pid}\n`);
}

export async function stopOwned(pidFile: string, marker: string, graceMs = 20_000): Promise<boolean> {
  const pid = await ownedPid(pidFile, marker);
  await rm(pidFile, { force: true });
  if (pid === undefined) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

// Detached children lead their own process group; signalling the group also reaches
// anything the JVM forked.
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ReadinessCheck {
  readonly what: string;
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly probe: () => Promise<void>;
}

/** Probes until the part answers, fails fast with its log when the process dies, or times out. */
export async function waitUntilReady(c: ReadinessCheck): Promise<void> {
  const deadline = Date.now() + c.timeoutMs;
  let lastError = 'not tried yet';
  while (Date.now() < deadline) {
    if (c.pid !== undefined && !isAlive(c.pid)) {
      throw new Error(`${c.what} exited during start-up; last lines of ${c.logFile}:\n${tail(c.logFile)}`);
    }
    try {
      await c.probe();
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await sleep(500);
    }
  }
  throw new Error(`${c.what} at ${c.endpoint} was not ready after ${c.timeoutMs} ms: ${lastError}`);
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log file)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}
