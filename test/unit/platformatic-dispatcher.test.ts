import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/messaging/platformatic/dispatcher.ts';
import { PartitionTable } from '../../src/messaging/platformatic/partition-table.ts';

/** Work items that start by noting their name and end when their gate is opened. */
function gated() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const work = (name: string) => () =>
    new Promise<void>((resolve) => {
      started.push(name);
      gates.set(name, resolve);
    });
  const open = async (name: string) => {
    gates.get(name)?.();
    // Every promise reaction the end set off has run before the next macrotask.
    await new Promise((r) => setImmediate(r));
  };
  return { started, work, open };
}

/** A dispatcher with one slot, and two partitions that may each have so many batches in hand. */
function oneSlotTwoPartitions(batchesPerPartition: number) {
  const [a, b] = new PartitionTable(batchesPerPartition).install([{ topic: 't', partitions: [0, 1] }]);
  if (!a || !b) throw new Error('no states');
  return { a, b, dispatcher: new Dispatcher(1, () => undefined), g: gated() };
}

describe('the Kafka consumer’s dispatcher', () => {
  it('starts a partition’s further batch beside the one running, without a slot of its own', async () => {
    const { a, b, dispatcher, g } = oneSlotTwoPartitions(2);
    dispatcher.submit(a, 0, g.work('a1'));
    dispatcher.submit(a, 0, g.work('a2'));
    expect(g.started).toEqual(['a1', 'a2']);
    expect(a.inHand).toBe(2);
    dispatcher.submit(b, 0, g.work('b1'));
    expect(g.started).toEqual(['a1', 'a2']);
    await g.open('a1');
    await g.open('a2');
    expect(g.started).toEqual(['a1', 'a2', 'b1']);
    expect(a.inHand).toBe(0);
    await g.open('b1');
    await dispatcher.settled();
    expect(dispatcher.active).toBe(false);
  });

  it('makes a partition’s further batches wait behind another partition waiting for a slot', async () => {
    const { a, b, dispatcher, g } = oneSlotTwoPartitions(4);
    dispatcher.submit(a, 0, g.work('a1'));
    dispatcher.submit(b, 0, g.work('b1'));
    dispatcher.submit(a, 0, g.work('a2'));
    // b1 waits for partition 0's slot; a2 does not overtake it.
    expect(g.started).toEqual(['a1']);
    await g.open('a1');
    expect(g.started).toEqual(['a1', 'b1']);
    await g.open('b1');
    expect(g.started).toEqual(['a1', 'b1', 'a2']);
    await g.open('a2');
    await dispatcher.settled();
  });
});
