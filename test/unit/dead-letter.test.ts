import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import {
  DLQ_HEADERS,
  MAX_RECORD_BYTES,
  deadLetter,
  readHeaders,
  recordBytes,
  type IncomingRecord,
} from '../../src/messaging/index.ts';

const record = (value: Buffer | null): IncomingRecord => ({
  topic: 'crm.ticket-events.v1',
  partition: 2,
  offset: '17',
  timestamp: '0',
  key: Buffer.from('SR-1'),
  value,
  headers: { trace: Buffer.from('t1') },
});
const error = new CloseloopError('CL_DECODE_MALFORMED', 'not Avro');

describe('deadLetter', () => {
  it('keeps the original key, value and headers, and adds where it came from and why', () => {
    const letter = deadLetter(record(Buffer.from('not avro')), error, 'lifecycle-processor', 0);
    expect(letter.key).toEqual(Buffer.from('SR-1'));
    expect(letter.value?.toString()).toBe('not avro');
    expect(letter.partition).toBe(2);
    expect(letter.headers?.['trace']?.toString()).toBe('t1');
    expect(letter.headers?.[DLQ_HEADERS.offset]).toBe('17');
    expect(letter.headers?.[DLQ_HEADERS.code]).toBe('CL_DECODE_MALFORMED');
    expect(letter.headers?.[DLQ_HEADERS.valueDropped]).toBeUndefined();
  });

  it("keeps a key's own bytes, UTF-8 or not", () => {
    const key = Buffer.from([0xff, 0xfe, 0x41]);
    const letter = deadLetter({ ...record(null), key }, error, 'lifecycle-processor', 0);
    expect(letter.key).toEqual(key);
  });

  it('drops a value the provenance headers would take past the record limit, and says how long it was', () => {
    const value = Buffer.alloc(MAX_RECORD_BYTES - 200, 1);
    const letter = deadLetter(record(value), error, 'lifecycle-processor', 0);
    expect(letter.value).toBeNull();
    expect(letter.headers?.[DLQ_HEADERS.valueDropped]).toBe(String(value.length));
    expect(letter.headers?.[DLQ_HEADERS.offset]).toBe('17');
    expect(recordBytes(letter)).toBeLessThan(MAX_RECORD_BYTES);
  });

  it('drops headers, then a key, that no dead letter could carry, naming them, so it is always written', () => {
    const big = Buffer.alloc(MAX_RECORD_BYTES, 2);
    const withHeaders = deadLetter(
      { ...record(Buffer.from('x')), headers: { trace: Buffer.from('t1'), blob: big } },
      error,
      'lifecycle-processor',
      0,
    );
    expect(recordBytes(withHeaders)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(withHeaders.value).toBeNull();
    expect(withHeaders.key).toEqual(Buffer.from('SR-1'));
    expect(withHeaders.headers?.[DLQ_HEADERS.headersDropped]).toBe('trace,blob');
    expect(withHeaders.headers?.['blob']).toBeUndefined();
    expect(withHeaders.headers?.[DLQ_HEADERS.offset]).toBe('17');
    expect(withHeaders.headers?.[DLQ_HEADERS.keyDropped]).toBeUndefined();

    const withKey = deadLetter({ ...record(Buffer.from('x')), key: big }, error, 'lifecycle-processor', 0);
    expect(recordBytes(withKey)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(withKey.key).toBeNull();
    expect(withKey.headers?.[DLQ_HEADERS.keyDropped]).toBe(String(big.length));
    expect(withKey.headers?.[DLQ_HEADERS.code]).toBe('CL_DECODE_MALFORMED');
  });

  it('keeps repeated and null headers in the order written, and names them once when they must go', () => {
    const headerList = [
      ['trace', Buffer.from('a')],
      ['trace', Buffer.from('b')],
      ['gone', null],
    ] as const;
    const read = { ...record(Buffer.from('x')), ...readHeaders(headerList) };
    const letter = deadLetter(read, error, 'lifecycle-processor', 0);
    expect(letter.headerList).toEqual(headerList);
    expect(letter.headers?.['trace']).toBeUndefined();
    expect(letter.headers?.[DLQ_HEADERS.offset]).toBe('17');

    const big = Buffer.alloc(MAX_RECORD_BYTES, 2);
    const tooBig = deadLetter(
      { ...read, ...readHeaders([...headerList, ['blob', big]]) },
      error,
      'lifecycle-processor',
      0,
    );
    expect(tooBig.headerList).toBeUndefined();
    expect(tooBig.headers?.[DLQ_HEADERS.headersDropped]).toBe('trace,gone,blob');
    expect(recordBytes(tooBig)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  });
});
