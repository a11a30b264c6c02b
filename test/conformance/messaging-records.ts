import { expect, it } from 'vitest';
import type { HeaderEntry, IncomingRecord } from '../../src/messaging/index.ts';
import { rec, rejection, type ConformanceContext } from './messaging-context.ts';

const text = (list: readonly HeaderEntry[] | undefined) =>
  list?.map(([k, v]) => [k, v === null ? null : v.toString('latin1')]);

/**
 * What a record may be. Headers as Kafka has them: a name may repeat and a value may be null (clients written by others
 * do both), a value is bytes, and any name is a name. Read back, the map holds the last of each
 * name; the list, present only when the map cannot say it all, holds every header in order. And a
 * record above the broker's size limit is refused for good, as the broker refuses it.
 */
export function recordCases({ topic, produce, reader }: ConformanceContext): void {
  it('keeps every header as written: repeated names, null values, bytes, any name', async () => {
    const t = await topic('headers');
    const headerList: HeaderEntry[] = [
      ['traceparent', Buffer.from('00-a')],
      ['traceparent', Buffer.from('00-b')],
      ['empty', null],
      ['__proto__', Buffer.from('x')],
    ];
    await produce(t, [
      { ...rec('repeated', 'r'), headerList, headers: { bin: Buffer.from([0xff, 0x00]) } },
      { ...rec('plain', 'p'), headers: { a: '1', constructor: Buffer.from('c') } },
      rec('none', 'n'),
    ]);
    const r = await reader([t]);
    try {
      await r.until('all three', () => r.records.length === 3);
    } finally {
      await r.stop();
    }
    const byKey = (k: string) => r.records.find((x) => x.key?.toString() === k) as IncomingRecord;
    const repeated = byKey('repeated');
    expect(text(repeated.headerList)).toEqual([
      ['traceparent', '00-a'],
      ['traceparent', '00-b'],
      ['empty', null],
      ['__proto__', 'x'],
      ['bin', '\xff\x00'],
    ]);
    expect(Object.keys(repeated.headers).sort()).toEqual(['__proto__', 'bin', 'empty', 'traceparent']);
    expect(repeated.headers['traceparent']?.toString()).toBe('00-b');
    expect(repeated.headers['empty']).toBeUndefined();
    expect(Object.getPrototypeOf(repeated.headers)).toBe(Object.prototype);
    const plain = byKey('plain');
    expect(plain.headerList).toBeUndefined();
    expect(Object.entries(plain.headers).map(([k, v]) => [k, v?.toString()])).toEqual([
      ['a', '1'],
      ['constructor', 'c'],
    ]);
    expect(byKey('none').headers).toEqual({});
    expect(byKey('none').headerList).toBeUndefined();
  });

  it('refuses for good a record above the broker limit, and writes nothing of that send', async () => {
    const t = await topic('too-large');
    const err = await rejection(produce(t, [rec('big', 'x'.repeat(2_000_000), 0)]));
    expect(err.code).toBe('CL_KAFKA_FATAL');
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/larger than the max message size/);
    await produce(t, [rec('after', 'a', 0)]);
    const r = await reader([t]);
    try {
      await r.until('the record after', () => r.records.length >= 1);
    } finally {
      await r.stop();
    }
    expect(r.records.map((x) => x.key?.toString())).toEqual(['after']);
  });
}
