import { describe, expect, it } from 'vitest';
import { failAfterCommit, faultHookFromEnv } from '../../src/processor/index.ts';

describe('fault injection commit hooks', () => {
  it('reports exactly the n-th commit as failed', () => {
    const hook = failAfterCommit(2);
    expect(() => hook.after?.(1)).not.toThrow();
    expect(() => hook.after?.(2)).toThrow(expect.objectContaining({ code: 'CL_KAFKA_TRANSIENT' }));
    expect(() => hook.after?.(3)).not.toThrow();
  });

  it('builds no hook without the variables, and refuses a commit number that is not one', () => {
    expect(faultHookFromEnv({})).toBeUndefined();
    expect(() => faultHookFromEnv({ CLOSELOOP_FAULT_KILL_BEFORE_COMMIT: 'soon' })).toThrow(
      expect.objectContaining({ code: 'CL_CONFIG_INVALID' }),
    );
    expect(() => faultHookFromEnv({ CLOSELOOP_FAULT_EXIT_BEFORE_COMMIT: '0' })).toThrow(
      /CLOSELOOP_FAULT_EXIT_BEFORE_COMMIT must be a commit number/,
    );
    const hook = faultHookFromEnv({ CLOSELOOP_FAULT_FAIL_AFTER_COMMIT: '1' });
    expect(() => hook?.after?.(1)).toThrow(/commit 1 reported as failed/);
  });
});
