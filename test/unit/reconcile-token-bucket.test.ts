import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/reconcile/index.ts';

describe('the reconciliation token bucket', () => {
  it('lets `rate` tickets a second through, waiting (on the injected clock) for the refill', async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket(5, {
      clock: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 11; i += 1) await bucket.take();
    // One token at the start, then one every 200 ms: 11 takes end at 2 s.
    expect(now).toBe(2_000);
    expect(waits.every((w) => w === 200)).toBe(true);
  });

  it('keeps at most a second of tokens after an idle spell', async () => {
    let now = 0;
    const bucket = new TokenBucket(2, { clock: () => now, sleep: async (ms) => void (now += ms) });
    await bucket.take();
    now += 60_000;
    for (let i = 0; i < 3; i += 1) await bucket.take();
    expect(now).toBe(60_500);
  });

  it('refuses a rate that is not above 0', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});
