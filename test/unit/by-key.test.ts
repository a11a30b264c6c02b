import { describe, expect, it } from 'vitest';
import { keyLane, runByKey } from '../../src/runtime/by-key.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

/** A handler that fails on `bad` a tick after it starts, and notes every other record it handled. */
function failingOn(bad: string) {
  const handled: string[] = [];
  const handle = async (r: string) => {
    await tick();
    if (r === bad) throw new Error('boom');
    handled.push(r);
  };
  return { handled, handle };
}

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

  it('chains a key across the batches of one lane and lets other keys of a newer batch go ahead', async () => {
    const lane = keyLane(4);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const handle = async (r: string) => {
      started.push(r);
      if (r === 'a1') await held;
    };
    const first = runByKey(['a1', 'b1'], (r) => r[0] ?? '', lane, handle);
    const second = runByKey(['a2', 'c1'], (r) => r[0] ?? '', lane, handle);
    await expect.poll(() => started).toContain('c1');
    // c1 of the newer batch went ahead of a1's long call; a2 waits for a1.
    expect(started).not.toContain('a2');
    release();
    expect(await first).toEqual({ donePrefix: 2, error: null });
    expect(await second).toEqual({ donePrefix: 2, error: null });
    expect(started.indexOf('a2')).toBeGreaterThan(started.indexOf('a1'));
    expect(lane.tails.size).toBe(0);
  });

  it('holds the limit across the batches of one lane', async () => {
    const lane = keyLane(2);
    let inFlight = 0;
    let peak = 0;
    const handle = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick();
      inFlight -= 1;
    };
    const key = (r: string) => r;
    await Promise.all([runByKey(['a', 'b', 'c'], key, lane, handle), runByKey(['d', 'e', 'f'], key, lane, handle)]);
    expect(peak).toBe(2);
  });

  it('reports the keys that waited for a slot, once a key, and no key that found one free', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const waits: number[] = [];
    const started: string[] = [];
    const handle = async (r: string) => {
      started.push(r);
      if (r === 'a1' || r === 'b1') await held;
    };
    // Two slots: a and b start at once; c (two records) waits until one of theirs is free.
    const out = runByKey(['a1', 'b1', 'c1', 'c2'], (r) => r[0] ?? '', 2, handle, {
      onSlotWait: (ms) => waits.push(ms),
    });
    await expect.poll(() => started).toContain('b1');
    expect(started).not.toContain('c1');
    expect(waits).toEqual([]);
    release();
    expect(await out).toEqual({ donePrefix: 4, error: null });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(0);
    const free: number[] = [];
    await runByKey(
      ['a1', 'b1', 'c1'],
      (r) => r[0] ?? '',
      3,
      async () => undefined,
      {
        onSlotWait: (ms) => free.push(ms),
      },
    );
    expect(free).toEqual([]);
  });

  it('starts nothing of a key whose records in an older batch failed, and fails the newer batch', async () => {
    const lane = keyLane(4);
    const { handled, handle } = failingOn('a1');
    const first = runByKey(['a1'], (r) => r[0] ?? '', lane, handle);
    const second = runByKey(['a2', 'a3'], (r) => r[0] ?? '', lane, handle);
    expect((await first).donePrefix).toBe(0);
    const out = await second;
    expect(handled).toEqual([]);
    expect(out.donePrefix).toBe(0);
    expect(String(out.error)).toContain('boom');
  });

  it('starts no record of another key in a newer batch once an older batch on the lane failed', async () => {
    const lane = keyLane(1);
    const { handled, handle } = failingOn('a1');
    const first = runByKey(['a1'], (r) => r[0] ?? '', lane, handle);
    // One key at a time: b1 waits for a1's slot, and finds the lane halted when it gets it.
    const second = runByKey(['b1'], (r) => r[0] ?? '', lane, handle);
    expect(String((await first).error)).toContain('boom');
    const out = await second;
    expect(handled).toEqual([]);
    expect(out.donePrefix).toBe(0);
    expect(String(out.error)).toContain('boom');
  });
});
