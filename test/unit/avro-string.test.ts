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
  // Around the short strings' one-copy path (up to 21 UTF-16 units, at most 63 bytes).
  'b'.repeat(21),
  'b'.repeat(22),
  '北'.repeat(21),
  '北'.repeat(22),
  '😀'.repeat(10) + 'x',
  '😀'.repeat(11),
  'é'.repeat(21),
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

  it('writes short strings whole however little room is left, or reports what is missing', () => {
    // Every room from none to enough, for strings of one-byte, three-byte and four-byte characters.
    for (const s of ['WO-1', '北'.repeat(21), '😀'.repeat(10), 'é'.repeat(21)]) {
      const value = { id: s, note: null, tags: [], seen: {} };
      const whole = plain.toBuffer(value);
      for (let room = 0; room <= whole.length + 70; room += 1) {
        const buffer = Buffer.alloc(room);
        const end = native.encode(value, buffer, 0);
        if (room >= whole.length) {
          expect(end, `${s} in ${room} bytes`).toBe(whole.length);
          expect(buffer.subarray(0, end).equals(whole), `${s} in ${room} bytes`).toBe(true);
        } else {
          expect(end, `${s} in ${room} bytes`).toBe(room - whole.length);
        }
      }
    }
  });

  it('writes a lone surrogate as U+FFFD, valid UTF-8, where avsc writes bytes no reader accepts', () => {
    const bytes = native.toBuffer(valueOf('a\ud800b'));
    expect((native.fromBuffer(bytes) as { id: string }).id).toBe('a\ufffdb');
    // Short and long strings alike, one or several, at either end.
    for (const s of ['\udc00', 'x\ud83d', '\ud83d\ud83d'.repeat(10), '\udfff'.repeat(30)]) {
      const read = (native.fromBuffer(native.toBuffer(valueOf(s))) as { id: string }).id;
      expect(read, JSON.stringify(s)).toBe(s.replace(/[\ud800-\udfff]/g, '\ufffd'));
    }
  });

  it('refuses what is not a string with avsc own error', () => {
    expect(() => native.toBuffer({ ...valueOf('a'), id: 42 })).toThrow(/invalid "string": 42/);
    expect(() => plain.toBuffer({ ...valueOf('a'), id: 42 })).toThrow(/invalid "string": 42/);
  });
});
