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

  it("counts header names and values in a record's size", () => {
    // 2 bytes of key, 10 of value and 64 of framing allowance: 76, and 100 more of headers.
    const headed = { ...rec(2, 10), headers: { h: 'x'.repeat(99) } };
    expect(chunkRecords([rec(1, 10), headed], 76 + 176).map((c) => c.length)).toEqual([2]);
    expect(chunkRecords([rec(1, 10), headed], 76 + 175).map((c) => c.length)).toEqual([1, 1]);
  });

  it('returns nothing for nothing', () => {
    expect(chunkRecords([])).toEqual([]);
  });
});

describe('chunkByTopic', () => {
  const byTopic = new Map([
    ['a', Array.from({ length: 7 }, (_, i) => rec(i, 10))],
    ['b', Array.from({ length: 5 }, (_, i) => rec(100 + i, 10))],
  ]);
  const keysOf = (chunks: Map<string, { key: string | Buffer | null }[]>[], topic: string) =>
    chunks.flatMap((c) => c.get(topic) ?? []).map((r) => r.key);

  it('gives each topic its own budget, so one request carries every topic', () => {
    // 10 bytes of value, 2 or 4 of key and 64 of framing allowance: four records fit in 320.
    const chunks = chunkByTopic(byTopic, 320);
    expect(chunks.map((c) => [...c].map(([t, l]) => `${t}${l.length}`).join(' '))).toEqual(['a4 b4', 'a3 b1']);
    expect(keysOf(chunks, 'a')).toEqual(byTopic.get('a')?.map((r) => r.key));
    expect(keysOf(chunks, 'b')).toEqual(byTopic.get('b')?.map((r) => r.key));
  });

  it('keeps every request under the request cap and each topic in order', () => {
    const chunks = chunkByTopic(byTopic, 320, 400);
    // a4 and b4 do not fit one request together; a's and b's last runs do.
    expect(chunks.map((c) => [...c].map(([t, l]) => `${t}${l.length}`).join(' '))).toEqual(['a4', 'b4', 'a3 b1']);
    for (const c of chunks) expect([...c.values()].flat().length * 80).toBeLessThanOrEqual(400);
    expect(keysOf(chunks, 'a')).toEqual(byTopic.get('a')?.map((r) => r.key));
    expect(keysOf(chunks, 'b')).toEqual(byTopic.get('b')?.map((r) => r.key));
  });

  it('returns nothing for nothing', () => {
    expect(chunkByTopic(new Map())).toEqual([]);
  });
});
