import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ownKeysMaps } from '../../src/messaging/avro-map.ts';

const schema = (values: string): avro.Schema =>
  ({ type: 'record', name: 'Watch', fields: [{ name: 'seen', type: { type: 'map', values } }] }) as avro.Schema;
const hooked = (values = 'long') => avro.Type.forSchema(schema(values), { typeHook: ownKeysMaps });
const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'WO-1'];
const value = { seen: Object.fromEntries(KEYS.map((k, i) => [k, 1_000 + i])) };

describe('Avro maps read with own keys', () => {
  it('gives back every key as itself, "__proto__" included, where plain avsc loses it', () => {
    const back = hooked().fromBuffer(hooked().toBuffer(value)) as typeof value;
    expect(Object.entries(back.seen)).toEqual(Object.entries(value.seen));
    expect(Object.getPrototypeOf(back.seen)).toBe(Object.prototype);
    const plain = avro.Type.forSchema(schema('long'));
    expect(Object.keys((plain.fromBuffer(plain.toBuffer(value)) as typeof value).seen)).not.toContain('__proto__');
  });

  it('reads blocks written with a negative count and their byte size, as other writers may', () => {
    const t = hooked();
    const entry = (k: string, v: number) =>
      Buffer.concat([avro.Type.forSchema('string').toBuffer(k), avro.Type.forSchema('long').toBuffer(v)]);
    const body = Buffer.concat([entry('__proto__', 7), entry('WO-2', 8)]);
    const long = (n: number) => avro.Type.forSchema('long').toBuffer(n);
    const framed = Buffer.concat([long(-2), long(body.length), body, long(0)]);
    expect(Object.entries((t.fromBuffer(framed) as typeof value).seen)).toEqual([
      ['__proto__', 7],
      ['WO-2', 8],
    ]);
  });

  it('keeps them through schema resolution (a writer of int values read as long)', () => {
    const writer = hooked('int');
    const reader = hooked('long');
    const back = reader.fromBuffer(writer.toBuffer(value), reader.createResolver(writer)) as typeof value;
    expect(Object.entries(back.seen)).toEqual(Object.entries(value.seen));
  });
});
