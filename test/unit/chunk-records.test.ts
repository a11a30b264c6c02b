import { describe, expect, it } from 'vitest';
import { chunkByTopic, chunkRecords } from '../../src/messaging/chunk.ts';

const rec = (i: number, bytes: number) => ({ key: `k${i}`, value: Buffer.alloc(bytes, i % 256) });

describe('chunkRecords', () => {
  it('keeps order and stays under the byte budget', () => {
    const records = Array.from({ length: 100 }, (_, i) => rec(i, 1_000));
    const chunks = chunkRecords(records, 10_000);
    expect(chunks.flat().map((r) => r.key)).toEqual(records.map((r) => r.key));
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.reduce((n, r) => n + (r.value?.length ?? 0) + 66, 0)).toBeLessThanOrEqual(10_000);
  });

  it('sends one oversized record alone rather than dropping it', () => {
    const chunks = chunkRecords([rec(1, 10), rec(2, 50_000), rec(3, 10)], 10_000);
    expect(chunks.map((c) => c.map((r) => r.key))).toEqual([['k1'], ['k2'], ['k3']]);
  });

  it('returns nothing for nothing', () => {
    expect(chunkRecords([])).toEqual([]);
  });
});

describe('chunkByTopic', () => {
  it('keeps each topic in order and every request under the byte budget', () => {
    const byTopic = new Map([
      ['a', Array.from({ length: 7 }, (_, i) => rec(i, 10))],
      ['b', Array.from({ length: 5 }, (_, i) => rec(100 + i, 10))],
    ]);
    // 10 bytes of value, 2 or 4 of key and 64 of framing allowance: four records fit in 320.
    const chunks = chunkByTopic(byTopic, 320);
    expect(chunks.map((c) => [...c.values()].reduce((n, l) => n + l.length, 0))).toEqual([4, 4, 4]);
    expect(chunks.flatMap((c) => c.get('a') ?? []).map((r) => r.key)).toEqual(byTopic.get('a')?.map((r) => r.key));
    expect(chunks.flatMap((c) => c.get('b') ?? []).map((r) => r.key)).toEqual(byTopic.get('b')?.map((r) => r.key));
  });
});
