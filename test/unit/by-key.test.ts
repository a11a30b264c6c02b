import { describe, expect, it } from 'vitest';
import { runByKey } from '../../src/runtime/by-key.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('runByKey', () => {
  it('keeps each key in order while keys overlap, up to the limit', async () => {
    const records = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3', 'd1'];
    const started: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const out = await runByKey(
      records,
      (r) => r[0] ?? '',
      2,
      async (r) => {
        started.push(r);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await tick();
        inFlight -= 1;
      },
    );
    expect(out).toEqual({ donePrefix: 7, error: null });
    expect(peak).toBe(2);
    for (const key of ['a', 'b']) {
      expect(started.filter((r) => r.startsWith(key))).toEqual(records.filter((r) => r.startsWith(key)));
    }
  });

  it('reports the first failure and only the prefix that completed', async () => {
    const records = ['a1', 'b1', 'a2', 'b2'];
    const handled: string[] = [];
    const out = await runByKey(
      records,
      (r) => r[0] ?? '',
      1,
      async (r) => {
        if (r === 'a2') throw new Error('boom');
        handled.push(r);
      },
    );
    // One key at a time: a1, then a2 fails; b's records are never started.
    expect(handled).toEqual(['a1']);
    expect(out.donePrefix).toBe(1);
    expect(String(out.error)).toContain('boom');
  });

  it('handles an empty batch', async () => {
    expect(
      await runByKey(
        [],
        () => 'k',
        4,
        async () => undefined,
      ),
    ).toEqual({ donePrefix: 0, error: null });
  });
});
