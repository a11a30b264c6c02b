import { describe, expect, it } from 'vitest';
import { PartitionTable } from '../../src/messaging/platformatic/partition-table.ts';

const assigned = [{ topic: 't', partitions: [0] }];

describe('the Kafka consumer’s partition table', () => {
  it('reads a partition on while fewer than batchesPerPartition of its batches are in hand', () => {
    const table = new PartitionTable(2);
    const [s] = table.install(assigned);
    if (!s) throw new Error('no state');
    s.position = 0n;
    expect(table.ready(Date.now())).toEqual([s]);
    s.inHand = 1;
    s.inHandVersion = s.version;
    expect(table.ready(Date.now())).toEqual([s]);
    // Still read: a fetch that includes it need not be cut short for it.
    expect(table.waitingOnHandler()).toBe(false);
    s.inHand = 2;
    expect(table.ready(Date.now())).toEqual([]);
    expect(table.waitingOnHandler()).toBe(true);
  });

  it('after a rewind, reads the partition again only once every batch in hand from before has settled', () => {
    const table = new PartitionTable(4);
    const [s] = table.install(assigned);
    if (!s) throw new Error('no state');
    s.position = 10n;
    s.inHand = 1;
    s.inHandVersion = s.version;
    table.invalidate(s, 0);
    // Its position was looked up again meanwhile: still not read while the old batch is in hand.
    s.position = 5n;
    expect(table.ready(Date.now())).toEqual([]);
    expect(table.waitingOnHandler()).toBe(true);
    s.inHand = 0;
    expect(table.ready(Date.now())).toEqual([s]);
  });

  it('hands one batch per partition at a time by default', () => {
    const table = new PartitionTable();
    const [s] = table.install(assigned);
    if (!s) throw new Error('no state');
    s.position = 0n;
    s.inHand = 1;
    s.inHandVersion = s.version;
    expect(table.ready(Date.now())).toEqual([]);
  });
});
