import { describe, expect, it } from 'vitest';
import { nodeChild, untilRunning } from '../support/child.ts';
import { until } from '../support/wait.ts';

// The integration tests wait on a worker in a process of its own with it: a worker that died at
// start, or stood still, must fail the wait with what it wrote, not with a bare time-out.
describe('untilRunning', () => {
  it('fails as soon as the process exits, quoting its output', async () => {
    const run = nodeChild(['-e', "console.error('could not start: broker refused'); process.exit(3)"]);
    const started = Date.now();
    await expect(untilRunning(run, 'every ticket closed', () => false, 60_000)).rejects.toThrow(
      /every ticket closed: the process exited \(3\); its output ended:\ncould not start: broker refused/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('fails past its time with the output of a process still running', async () => {
    const run = nodeChild(['-e', "console.error('standing still'); setTimeout(() => undefined, 30_000)"]);
    try {
      await until('the line written', () => run.tail().includes('standing still'));
      await expect(untilRunning(run, 'every ticket closed', () => false, 50)).rejects.toThrow(
        /timed out waiting for every ticket closed; the process's output ended:\nstanding still/,
      );
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('resolves once the condition holds while the process runs', async () => {
    const run = nodeChild(['-e', 'setTimeout(() => undefined, 30_000)']);
    let asked = 0;
    try {
      await untilRunning(run, 'the third ask', () => (asked += 1) >= 3, 10_000);
      expect(asked).toBe(3);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
