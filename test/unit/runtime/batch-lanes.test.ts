import { describe, expect, it } from 'vitest';
import type { IncomingRecord, RecordBatch } from '../../../src/messaging/index.ts';
import { BatchLanes } from '../../../src/runtime/batch-lanes.ts';
import { runByKey } from '../../../src/runtime/by-key.ts';

const batch = (partition: number, keys: string[], from: number): RecordBatch => ({
  topic: 't',
  partition,
  records: keys.map((key, i): IncomingRecord => ({
    topic: 't',
    partition,
    offset: String(from + i),
    timestamp: '0',
    key: Buffer.from(key),
    value: null,
    headers: {},
  })),
});

const keyOf = (r: IncomingRecord) => r.key?.toString() ?? '';

/** A handler whose calls for a key wait until that key is released. */
function gated() {
  const gates = new Map<string, { open: () => void; opened: Promise<void> }>();
  const gate = (key: string) => {
    let g = gates.get(key);
    if (!g) {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((r) => (open = r));
      g = { open, opened };
      gates.set(key, g);
    }
    return g;
  };
  const handled: string[] = [];
  return {
    handled,
    release: (key: string) => gate(key).open(),
    handle: async (r: IncomingRecord) => {
      await gate(keyOf(r)).opened;
      handled.push(`${keyOf(r)}@${r.offset}`);
    },
  };
}

describe('BatchLanes', () => {
  it('commits a partition’s batches in order, a newer one only after the older one committed', async () => {
    const lanes = new BatchLanes(4);
    const h = gated();
    const commits: string[] = [];
    const run = (b: RecordBatch) =>
      lanes.run(
        b,
        (lane) => runByKey(b.records, keyOf, lane, h.handle),
        async (done) => void commits.push(`${b.partition}:${b.records[done - 1]?.offset}`),
      );
    const older = run(batch(0, ['a', 'a'], 0));
    const newer = run(batch(0, ['b'], 2));
    const other = run(batch(1, ['c'], 0));
    h.release('b');
    h.release('c');
    await other;
    await expect.poll(() => h.handled).toContain('b@2');
    // b was delivered while a's records waited, but its offset waits for a's.
    expect(commits).toEqual(['1:0']);
    h.release('a');
    await Promise.all([older, newer]);
    expect(commits).toEqual(['1:0', '0:1', '0:2']);
    expect(h.handled.filter((x) => x.startsWith('a'))).toEqual(['a@0', 'a@1']);
  });

  it('commits nothing of a newer batch when an older one did not complete, and rejects both', async () => {
    const lanes = new BatchLanes(4);
    const commits: number[] = [];
    const run = (b: RecordBatch, fail: string | null) =>
      lanes.run(
        b,
        (lane) =>
          runByKey(b.records, keyOf, lane, async (r) => {
            if (keyOf(r) === fail) throw new Error(`failed ${fail}`);
          }),
        async (done) => void commits.push(done),
      );
    const older = run(batch(0, ['a', 'b'], 0), 'b');
    const newer = run(batch(0, ['c'], 2), null);
    await expect(older).rejects.toThrow('failed b');
    await expect(newer).rejects.toThrow('failed b');
    // The older batch committed the record before its failure; the newer one, nothing.
    expect(commits).toEqual([1]);
    // Once none is in hand the lane starts afresh: the partition is read again from there.
    await run(batch(0, ['b', 'c'], 1), null);
    expect(commits).toEqual([1, 2]);
  });

  it('starts nothing more in newer batches once an older batch’s commit failed', async () => {
    const lanes = new BatchLanes(4);
    const h = gated();
    const older = lanes.run(
      batch(0, ['a'], 0),
      (lane) => runByKey(batch(0, ['a'], 0).records, keyOf, lane, async () => undefined),
      async () => {
        throw new Error('commit failed');
      },
    );
    const newer = lanes.run(
      batch(0, ['b', 'b'], 1),
      (lane) => runByKey(batch(0, ['b', 'b'], 1).records, keyOf, lane, h.handle),
      async () => undefined,
    );
    await expect(older).rejects.toThrow('commit failed');
    h.release('b');
    await expect(newer).rejects.toThrow('commit failed');
    // The first b was in hand when the older batch failed; the second was not started.
    expect(h.handled).toEqual(['b@1']);
  });
});
