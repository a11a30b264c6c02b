import { describe, expect, it } from 'vitest';
import { carriedHeaders, readHeaders, setHeader } from '../../src/messaging/index.ts';

describe('record headers', () => {
  it('keeps the list only when the map loses something', () => {
    expect(readHeaders([[Buffer.from('a'), Buffer.from('1')]]).headerList).toBeUndefined();
    expect(readHeaders([]).headerList).toBeUndefined();
    const repeated = readHeaders([
      [Buffer.from('a'), Buffer.from('1')],
      [Buffer.from('a'), Buffer.from('2')],
    ]);
    expect(repeated.headers['a']?.toString()).toBe('2');
    expect(repeated.headerList?.map(([k, v]) => `${k}=${v?.toString()}`)).toEqual(['a=1', 'a=2']);
    const nulled = readHeaders([['n', null]]);
    expect(Object.keys(nulled.headers)).toEqual(['n']);
    expect(nulled.headerList).toEqual([['n', null]]);
  });

  it('holds a header named __proto__ as a header, not as the prototype', () => {
    const { headers } = readHeaders([['__proto__', Buffer.from('x')]]);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers)).toEqual(['__proto__']);
    const carried = carriedHeaders({ headers });
    expect(Object.getPrototypeOf(carried.headers)).toBe(Object.prototype);
    expect(Object.keys(carried.headers)).toEqual(['__proto__']);
    const target: Record<string, string> = {};
    setHeader(target, '__proto__', 'y');
    expect(Object.entries(target)).toEqual([['__proto__', 'y']]);
  });

  it('carries the list when there is one, the defined values of the map otherwise', () => {
    const lossy = readHeaders([
      ['a', Buffer.from('1')],
      ['a', null],
    ]);
    expect(carriedHeaders(lossy)).toEqual({ headerList: lossy.headerList, headers: {} });
    expect(carriedHeaders({ headers: { a: Buffer.from('1'), b: undefined } })).toEqual({
      headers: { a: Buffer.from('1') },
    });
  });
});
