import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/reconcile/index.ts';

/** A bucket on a clock the test holds, whose waits move that clock and are noted. */
function onClock(rate: number, start: number) {
  const clock = { now: start };
  const waits: number[] = [];
  const bucket = new TokenBucket(rate, {
    clock: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.now += ms;
    },
  });
  return { bucket, clock, waits };
}

describe('the reconciliation token bucket', () => {
  it('lets `rate` tickets a second through, waiting (on the injected clock) for the refill', async () => {
    const { bucket, clock, waits } = onClock(5, 0);
    for (let i = 0; i < 11; i += 1) await bucket.take();
    // One token at the start, then one every 200 ms: 11 takes end at 2 s.
    expect(clock.now).toBe(2_000);
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

  it('does not hold tokens back when the clock it is given steps back', async () => {
    const { bucket, clock, waits } = onClock(5, 1_000_000);
    for (let i = 0; i < 3; i += 1) await bucket.take();
    clock.now -= 3_600_000;
    waits.length = 0;
    await bucket.take();
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(200);
  });

  it('keeps its own time, not the wall clock, when none is given', async () => {
    const wall = Date.now;
    let back = 0;
    Date.now = () => wall() - back;
    const waits: number[] = [];
    const bucket = new TokenBucket(5, {
      sleep: async (ms) => {
        waits.push(ms);
        // A wait past the refill of one token is the stall itself: failed rather than waited out.
        if (ms > 200) throw new Error(`asked to wait ${ms} ms for one token at 5 a second`);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    try {
      await bucket.take();
      back = 3_600_000;
      await bucket.take();
    } finally {
      Date.now = wall;
    }
    expect(waits.length).toBeGreaterThan(0);
  });

  it('ends a wait for the refill as soon as its signal aborts, taking no token', async () => {
    // One token every 1000 s: the second take waits on a real timer until the abort.
    const bucket = new TokenBucket(0.001);
    const stop = new AbortController();
    expect(await bucket.take(stop.signal)).toBe(true);
    const waiting = bucket.take(stop.signal);
    stop.abort();
    expect(await waiting).toBe(false);
    expect(await bucket.take(stop.signal)).toBe(false);
  });

  it('refuses a rate that is not above 0', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});
