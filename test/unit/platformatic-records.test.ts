import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { committedRecords } from '../../src/messaging/platformatic/records.ts';

const ABORT = 0;
const COMMIT = 1;

function data(producerId: bigint, firstOffset: bigint, keys: string[], transactional = true): RecordsBatch {
  return {
    firstOffset,
    lastOffsetDelta: keys.length - 1,
    producerId,
    attributes: transactional ? IS_TRANSACTIONAL : 0,
    firstTimestamp: 1_700_000_000_000n,
    records: keys.map((k, i) => ({
      length: 0,
      attributes: 0,
      timestampDelta: BigInt(i),
      offsetDelta: i,
      key: Buffer.from(k),
      value: Buffer.from(`v-${k}`),
      headers: [[Buffer.from('h'), Buffer.from(k)]],
    })),
  } as unknown as RecordsBatch;
}

function marker(producerId: bigint, offset: bigint, type: number): RecordsBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return {
    firstOffset: offset,
    lastOffsetDelta: 0,
    producerId,
    attributes: IS_TRANSACTIONAL | IS_CONTROL,
    firstTimestamp: 0n,
    records: [{ length: 0, attributes: 0, timestampDelta: 0n, offsetDelta: 0, key, value: null, headers: [] }],
  } as unknown as RecordsBatch;
}

const response = (records: RecordsBatch[], aborted: [bigint, bigint][]) =>
  ({
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 100n,
    lastStableOffset: 100n,
    logStartOffset: 0n,
    preferredReadReplica: -1,
    abortedTransactions: aborted.map(([producerId, firstOffset]) => ({ producerId, firstOffset })),
    records,
  }) as Parameters<typeof committedRecords>[2];

const keys = (r: ReturnType<typeof committedRecords>) => r.records.map((x) => x.key?.toString());

describe('committed records of a read_committed fetch', () => {
  it('drops every aborted transaction of one producer, not only its last', () => {
    // P aborts 0-1, commits 3-4, aborts 6-7; another producer commits 9 in between.
    const got = committedRecords(
      't',
      0,
      response(
        [
          data(7n, 0n, ['a1', 'a2']),
          marker(7n, 2n, ABORT),
          data(7n, 3n, ['c1', 'c2']),
          marker(7n, 5n, COMMIT),
          data(7n, 6n, ['a3', 'a4']),
          marker(7n, 8n, ABORT),
          data(9n, 9n, ['other']),
          marker(9n, 10n, COMMIT),
        ],
        [
          [7n, 0n],
          [7n, 6n],
        ],
      ),
      0n,
    );
    expect(keys(got)).toEqual(['c1', 'c2', 'other']);
    expect(got.next).toBe(11n);
  });

  it('drops an aborted transaction whose marker did not fit in the response', () => {
    const got = committedRecords(
      't',
      0,
      response([data(1n, 0n, ['ok']), marker(1n, 1n, COMMIT), data(2n, 2n, ['gone'])], [[2n, 2n]]),
      0n,
    );
    expect(keys(got)).toEqual(['ok']);
    expect(got.next).toBe(3n);
  });

  it('moves the position past markers that carry no record', () => {
    const got = committedRecords('t', 0, response([marker(3n, 41n, COMMIT)], []), 41n);
    expect(got.records).toEqual([]);
    expect(got.next).toBe(42n);
  });

  it('skips what lies before the position and keeps plain records, headers and timestamps', () => {
    const got = committedRecords('t', 2, response([data(-1n, 10n, ['x', 'y', 'z'], false)], []), 11n);
    expect(got.records).toEqual([
      {
        topic: 't',
        partition: 2,
        offset: '11',
        timestamp: '1700000000001',
        key: Buffer.from('y'),
        value: Buffer.from('v-y'),
        headers: { h: Buffer.from('y') },
      },
      expect.objectContaining({ offset: '12', key: Buffer.from('z') }),
    ]);
    expect(got.next).toBe(13n);
  });

  it("gives every record of a batch the broker's append time when its topic stamps records so", () => {
    // LogAppendTime (attribute bit 3): the broker set maxTimestamp, the records keep the producer's.
    const batch = data(-1n, 0n, ['x', 'y'], false);
    const appended = { ...batch, attributes: batch.attributes | 0x08, maxTimestamp: 1_800_000_000_000n };
    const got = committedRecords('t', 0, response([appended], []), 0n);
    expect(got.records.map((r) => r.timestamp)).toEqual(['1800000000000', '1800000000000']);
  });
});
