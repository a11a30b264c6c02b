import { describe, expect, it } from 'vitest';
import { checkReady } from '../../stack/stack.ts';

describe('local stack status probe', () => {
  it('calls a part ready when a probe misses once and then answers', async () => {
    let calls = 0;
    const result = await checkReady(async () => {
      calls += 1;
      if (calls < 2) throw new Error('connection timed out');
    });
    expect(result).toEqual({ ready: true, detail: 'ready' });
    expect(calls).toBe(2);
  });

  it('gives up after three tries and says the last failure', async () => {
    let calls = 0;
    const result = await checkReady(async () => {
      calls += 1;
      throw new Error(`refused ${calls}`);
    });
    expect(result).toEqual({ ready: false, detail: 'refused 3 (3 tries)' });
    expect(calls).toBe(3);
  });
});
