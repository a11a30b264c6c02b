import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { nativeStrings } from '../../src/messaging/avro-string.ts';

const schema = {
  type: 'record',
  name: 'Status',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'note', type: ['null', { type: 'string' }] },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'seen', type: { type: 'map', values: 'string' } },
  ],
} as avro.Schema;
const plain = avro.Type.forSchema(schema);
const native = avro.Type.forSchema(schema, { typeHook: nativeStrings });

const STRINGS = [
  '',
  'WO-1',
  'x'.repeat(64),
  'y'.repeat(65),
  'Pothole on Ærøgade, café hours',
  'Straße 北京 ✓',
  'astral 😀 pair',
  '😀'.repeat(40),
  'a'.repeat(300) + 'é',
];
const valueOf = (s: string) => ({ id: s, note: s, tags: [s, 'ok'], seen: { [s || 'k']: s } });

describe('Avro strings written natively', () => {
  it('writes the bytes avsc writes, for every well-formed string, short or long, ASCII or not', () => {
    for (const s of STRINGS) {
      expect(native.toBuffer(valueOf(s)).equals(plain.toBuffer(valueOf(s))), JSON.stringify(s)).toBe(true);
      expect(plain.fromBuffer(native.toBuffer(valueOf(s)))).toEqual(valueOf(s));
    }
  });

  it('grows the buffer as avsc does when a string does not fit', () => {
    const long = valueOf('z'.repeat(10_000));
    const small = Buffer.alloc(16);
    const missing = native.encode(long, small, 0);
    expect(missing).toBeLessThan(0);
    const exact = Buffer.alloc(small.length - missing);
    expect(native.encode(long, exact, 0)).toBe(exact.length);
    expect(exact.equals(plain.toBuffer(long))).toBe(true);
  });

  it('writes a lone surrogate as U+FFFD, valid UTF-8, where avsc writes bytes no reader accepts', () => {
    const bytes = native.toBuffer(valueOf('a\ud800b'));
    expect((native.fromBuffer(bytes) as { id: string }).id).toBe('a\ufffdb');
  });

  it('refuses what is not a string with avsc own error', () => {
    expect(() => native.toBuffer({ ...valueOf('a'), id: 42 })).toThrow(/invalid "string": 42/);
    expect(() => plain.toBuffer({ ...valueOf('a'), id: 42 })).toThrow(/invalid "string": 42/);
  });
});
