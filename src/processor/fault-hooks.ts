import { writeSync } from 'node:fs';
import { CloseloopError } from '../errors/index.ts';
import type { CommitHook } from './task.ts';

/**
 * Crash tests: `end` this process (or thread) before its n-th commit ends, once the commits
 * started before it have finished. Partitions commit side by side, so without that wait the end
 * could land while commits 1 … n-1 were still in flight, and abort them too.
 */
function endBeforeCommit(n: number, what: string, end: () => void): CommitHook {
  return {
    async before(started, settled) {
      if (started < n) return;
      await settled();
      // Written synchronously: an asynchronous log line would die with the process.
      writeSync(2, `fault injection: ${what} before commit ${started}\n`);
      end();
    },
  };
}

/** SIGKILL this process before its n-th commit (see endBeforeCommit). */
export function killBeforeCommit(n: number): CommitHook {
  return endBeforeCommit(n, 'SIGKILL', () => process.kill(process.pid, 'SIGKILL'));
}

/**
 * Ends the thread it runs in with exit code 70 before its n-th commit (in a processor thread,
 * that thread alone: see threads.ts), leaving its transaction open and its group member to lapse.
 */
export function exitBeforeCommit(n: number): CommitHook {
  return endBeforeCommit(n, 'exit', () => process.exit(70));
}

/** Reports the n-th commit as failed after it succeeded: a lost EndTxn reply. */
export function failAfterCommit(n: number): CommitHook {
  return {
    after(completed) {
      if (completed === n) {
        throw new CloseloopError('CL_KAFKA_TRANSIENT', `fault injection: commit ${completed} reported as failed`);
      }
    },
  };
}

/**
 * The hook the CLOSELOOP_FAULT_KILL_BEFORE_COMMIT, CLOSELOOP_FAULT_EXIT_BEFORE_COMMIT and
 * CLOSELOOP_FAULT_FAIL_AFTER_COMMIT variables ask for (a commit number each), or none when none
 * is set. With processor threads, CLOSELOOP_FAULT_THREAD (an index) limits them to one thread.
 */
export function faultHookFromEnv(env: NodeJS.ProcessEnv): CommitHook | undefined {
  const hooks = [
    env['CLOSELOOP_FAULT_KILL_BEFORE_COMMIT'] ? killBeforeCommit(commitNumber(env, 'KILL_BEFORE_COMMIT')) : null,
    env['CLOSELOOP_FAULT_EXIT_BEFORE_COMMIT'] ? exitBeforeCommit(commitNumber(env, 'EXIT_BEFORE_COMMIT')) : null,
    env['CLOSELOOP_FAULT_FAIL_AFTER_COMMIT'] ? failAfterCommit(commitNumber(env, 'FAIL_AFTER_COMMIT')) : null,
  ].filter((h) => h !== null);
  if (hooks.length === 0) return undefined;
  return {
    async before(n, settled) {
      for (const h of hooks) await h.before?.(n, settled);
    },
    after(n) {
      for (const h of hooks) h.after?.(n);
    },
  };
}

function commitNumber(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[`CLOSELOOP_FAULT_${name}`];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new CloseloopError('CL_CONFIG_INVALID', `CLOSELOOP_FAULT_${name} must be a commit number >= 1, got ${raw}`);
  }
  return n;
}
