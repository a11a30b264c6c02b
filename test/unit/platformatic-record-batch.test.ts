import {
  crc32c,
  createRecordsBatch,
  readRecordsBatch,
  Reader,
  Writer,
  type CreateRecordsBatchOptions,
  type MessageRecord,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

// patches/@platformatic+kafka+2.12.1.patch writes an uncompressed record batch into one buffer.
// The reference below is the client's own code before the patch (@platformatic/kafka 2.12.1,
// dist/protocol/records.js: createRecord, prepareRecordsBatch, finalizeRecordsBatch; Apache-2.0),
// written for these tests' messages, which all carry a timestamp.
function referenceBatch(messages: MessageRecord[], options: Partial<CreateRecordsBatchOptions>): Buffer {
  const firstTimestamp = messages[0]?.timestamp ?? 0n;
  let maxTimestamp = firstTimestamp;
  const records = Writer.create();
  messages.forEach((m, i) => {
    const ts = m.timestamp ?? 0n;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const record = Writer.create()
      .appendInt8(0)
      .appendVarInt64(ts - firstTimestamp)
      .appendVarInt(i)
      .appendVarIntBytes(m.key)
      .appendVarIntBytes(m.value)
      .appendVarIntMap(m.headers, (w, [key, value]) => {
        w.appendVarIntBytes(key).appendVarIntBytes(value);
      })
      .prependVarIntLength();
    records.appendFrom(record);
  });
  const first = messages[0];
  const firstSequence = options.sequences?.getWithDefault(`${first?.topic}:${first?.partition}`, 0) ?? 0;
  const writer = Writer.create()
    .appendInt16(options.transactionalId ? 16 : 0)
    .appendInt32(messages.length - 1)
    .appendInt64(firstTimestamp)
    .appendInt64(maxTimestamp)
    .appendInt64(options.producerId ?? -1n)
    .appendInt16(options.producerEpoch ?? 0)
    .appendInt32(firstSequence)
    .appendInt32(messages.length)
    .appendFrom(records);
  return writer
    .appendUnsignedInt32(crc32c(writer.dynamicBuffer), false)
    .appendInt8(2, false)
    .appendInt32(options.partitionLeaderEpoch ?? 0, false)
    .prependLength()
    .appendInt64(0n, false).buffer;
}

const T0 = 1_790_000_000_000n;

/** Messages of every shape the encoder meets: no key, empty values, headers or none, spread times. */
function messages(count: number, spreadMs: bigint): MessageRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const headers =
      i % 3 === 0
        ? undefined
        : new Map(
            i % 3 === 1
              ? []
              : [
                  [Buffer.from('correlation-id'), Buffer.from(`c-${i}`)],
                  [Buffer.from('empty'), Buffer.alloc(0)],
                  // A dead letter keeps a header the record had without a value.
                  [Buffer.from(`none-${i}`), null as unknown as Buffer],
                ],
          );
    return {
      topic: 'closeloop.status.v1',
      partition: 4,
      ...(i % 7 === 0 ? {} : { key: Buffer.from(`BALT-${1000 + i}`) }),
      value: i % 11 === 0 ? Buffer.alloc(0) : Buffer.alloc(1 + ((i * 37) % 900), i % 251),
      timestamp: T0 + (BigInt((i * 7919) % 1000) * spreadMs) / 1000n - spreadMs / 2n,
      ...(headers ? { headers } : {}),
    };
  });
}

const sequenceMap = new Map([['closeloop.status.v1:4', 41]]);
const sequences = { getWithDefault: (key: string, fallback: number) => sequenceMap.get(key) ?? fallback };
const OPTIONS: Partial<CreateRecordsBatchOptions>[] = [
  {},
  {
    transactionalId: 'closeloop-processor-0',
    producerId: 9_007n,
    producerEpoch: 3,
    sequences: sequences as unknown as CreateRecordsBatchOptions['sequences'],
    partitionLeaderEpoch: 2,
  },
];

describe("the client's record batch (patched)", () => {
  it('writes the bytes the client wrote before, for every kind of record', () => {
    for (const options of OPTIONS) {
      // Times up to about 24 days apart, where the client's own 64-bit varints were right.
      for (const [count, spread] of [
        [1, 0n],
        [2, 10n],
        [150, 60_000n],
        [3_000, 2_000_000_000n],
      ] as const) {
        const expected = referenceBatch(messages(count, spread), options);
        const batch = createRecordsBatch(messages(count, spread), options as CreateRecordsBatchOptions);
        expect(batch.buffer.equals(expected), `${count} records, ${JSON.stringify(options.producerEpoch)}`).toBe(true);
      }
    }
  });

  it('refuses a value that is not bytes, as the client did when it put the request together', () => {
    const [message] = messages(1, 0n);
    const text = { ...message, value: 'not bytes' } as unknown as MessageRecord;
    expect(() => createRecordsBatch([text], {} as CreateRecordsBatchOptions).buffer).toThrow(TypeError);
  });

  it('is one buffer, which the request takes without copying its records again', () => {
    const batch = createRecordsBatch(messages(500, 1_000n), {} as CreateRecordsBatchOptions);
    expect(batch.dynamicBuffer.buffers).toHaveLength(1);
  });

  it('reads back with its CRC, times far apart included', () => {
    const sent = messages(40, 90n * 86_400_000n);
    const bytes = createRecordsBatch(sent, {} as CreateRecordsBatchOptions).buffer;
    const read = readRecordsBatch(Reader.from(bytes));
    expect(read.crc).toBe(crc32c(bytes.subarray(21)));
    expect(read.records.map((r) => read.firstTimestamp + r.timestampDelta)).toEqual(sent.map((m) => m.timestamp));
    expect(read.maxTimestamp).toBe(sent.reduce((a, m) => ((m.timestamp ?? 0n) > a ? (m.timestamp ?? 0n) : a), 0n));
    expect(read.records.map((r) => r.key?.toString() ?? null)).toEqual(sent.map((m) => m.key?.toString() ?? null));
    expect(read.records.map((r) => r.value)).toEqual(sent.map((m) => m.value));
    expect(read.records.map((r) => r.headers.length)).toEqual(sent.map((m) => m.headers?.size ?? 0));
  });
});
