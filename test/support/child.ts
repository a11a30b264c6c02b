import { spawn, type ChildProcess } from 'node:child_process';
import { messageOf } from '../../src/errors/index.ts';
import { within } from './wait.ts';

/** How a child ended, with everything it wrote. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ChildRun {
  readonly child: ChildProcess;
  /** Settles once the process has exited and its output is all read. */
  readonly exit: Promise<ChildExit>;
  /** What it wrote so far, stdout and stderr as they came, for a message. */
  tail(): string;
}

export interface ChildOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Called with the child as soon as it runs, to kill it at teardown. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/**
 * A Node script of the project in a process of its own, as an operator runs it.
 *
 * Its output is read as it comes, so a run that writes much never blocks on a full pipe, and
 * `exit` waits for 'close', not 'exit': a process may exit before the last of what it wrote has
 * been read, and a test asserting on that last line would then fail now and then.
 */
export function nodeChild(args: readonly string[], options: ChildOptions = {}): ChildRun {
  const child = spawn(process.execPath, [...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  let tail = '';
  // All of each stream is kept (a test may look for any line; the runs here write little), and
  // the last few KiB of both together for an error message.
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    tail = (tail + d.toString('utf8')).slice(-4_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    tail = (tail + d.toString('utf8')).slice(-4_000);
  });
  const exit = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit, tail: () => tail };
}

/**
 * The run's end, or, past `timeoutMs`, the child killed and an error naming the step and quoting
 * the last of its output: a hang then says where it stood instead of running into the test's
 * time-out.
 */
export async function exited(run: ChildRun, what: string, timeoutMs = 90_000): Promise<ChildExit> {
  try {
    return await within(what, timeoutMs, run.exit);
  } catch (err) {
    run.child.kill('SIGKILL');
    throw new Error(`${messageOf(err)}; its output ended:\n${run.tail()}`, { cause: err });
  }
}

/**
 * Waits for a condition a running child brings about (a simulator's tickets closed), failing at
 * once if the child exits first and, past `timeoutMs`, with the last of its output: a worker that
 * died at start or stood still then says why, where a bare time-out said nothing.
 */
export async function untilRunning(
  run: ChildRun,
  what: string,
  check: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const { exitCode, signalCode } = run.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(
        `waiting for ${what}: the process exited (${exitCode ?? signalCode}); its output ended:\n${run.tail()}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; the process's output ended:\n${run.tail()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The JSON lines of a run's output; other lines are skipped. */
export function jsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // not a log line
    }
  }
  return out;
}
