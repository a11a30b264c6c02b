import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/messaging/platformatic/dispatcher.ts';
import { PartitionTable } from '../../src/messaging/platformatic/partition-table.ts';

describe('the Kafka consumer’s dispatcher', () => {
  it('gives a partition’s further batches no slot of their own, and starts each partition’s in order', async () => {
    const [a, b] = new PartitionTable(2).install([{ topic: 't', partitions: [0, 1] }]);
    if (!a || !b) throw new Error('no states');
    const dispatcher = new Dispatcher(1, () => undefined);
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const work = (name: string) => () =>
      new Promise<void>((resolve) => {
        started.push(name);
        gates.set(name, resolve);
      });
    dispatcher.submit(a, 0, work('a1'));
    dispatcher.submit(b, 0, work('b1'));
    dispatcher.submit(a, 0, work('a2'));
    // One partition's slot: a2 runs beside a1, b1 waits for partition 0 to be done.
    expect(started).toEqual(['a1', 'a2']);
    expect(a.inHand).toBe(2);
    gates.get('a1')?.();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a1', 'a2']);
    gates.get('a2')?.();
    await expect.poll(() => started).toEqual(['a1', 'a2', 'b1']);
    expect(a.inHand).toBe(0);
    gates.get('b1')?.();
    await dispatcher.settled();
    expect(dispatcher.active).toBe(false);
  });
});
