import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { readSchemaId, WireWriter } from '../../src/messaging/wire-format.ts';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'Probe',
  fields: [
    { name: 'ticketId', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

const body = (framed: Buffer) => type.fromBuffer(framed.subarray(5)) as unknown;

describe('WireWriter', () => {
  it('frames the body behind magic byte 0 and the schema id, byte for byte as avsc writes it', () => {
    const value = { ticketId: 'T-1', note: 'hello' };
    const framed = new WireWriter().write(4242, type, value);
    expect(framed[0]).toBe(0);
    expect(readSchemaId(framed)).toBe(4242);
    expect(framed.subarray(5).equals(type.toBuffer(value))).toBe(true);
  });

  it('returns buffers of their own: a later write leaves an earlier record as it was', () => {
    const w = new WireWriter();
    const first = w.write(1, type, { ticketId: 'T-1', note: 'first' });
    const copy = Buffer.from(first);
    w.write(2, type, { ticketId: 'T-2', note: 'a different and longer note' });
    expect(first.equals(copy)).toBe(true);
  });

  it('leaves every record it handed out intact, across slabs, large records and failed writes', () => {
    const w = new WireWriter();
    const written: { framed: Buffer; copy: Buffer; value: object }[] = [];
    // Sizes from a few bytes to past a slab's quarter, so records fill slabs to their ends,
    // leave a remainder too small for the next one, and some go into buffers of their own.
    for (let i = 0; i < 2_000; i++) {
      const size = i % 97 === 0 ? 20_000 + i : (i * 37) % 3_000;
      const value = { ticketId: `T-${i}`, note: i % 5 === 0 ? null : String.fromCharCode(97 + (i % 26)).repeat(size) };
      // Ids from 1: no registry assigns 0, and readSchemaId refuses it (Apicurio's 8-byte framing).
      const framed = w.write(i + 1, type, value);
      written.push({ framed, copy: Buffer.from(framed), value });
      if (i % 13 === 0) expect(() => w.write(i, type, { ticketId: i, note: 'x'.repeat(size) })).toThrow();
    }
    for (const [i, { framed, copy, value }] of written.entries()) {
      expect(framed.equals(copy)).toBe(true);
      expect(readSchemaId(framed)).toBe(i + 1);
      expect(body(framed)).toEqual(value);
    }
  });

  it('writes a record larger than its scratch buffer whole, and small ones correctly after it', () => {
    const w = new WireWriter();
    for (const size of [100_000, 3_000_000]) {
      const big = { ticketId: 'T-big', note: 'x'.repeat(size) };
      const framed = w.write(7, type, big);
      expect(framed.length).toBe(5 + type.toBuffer(big).length);
      expect(body(framed)).toEqual(big);
      const small = { ticketId: 'T-small', note: null };
      expect(body(w.write(7, type, small))).toEqual(small);
    }
  });

  it('throws for a value the type cannot encode, and writes the next one correctly', () => {
    const w = new WireWriter();
    expect(() => w.write(1, type, { ticketId: 42, note: null })).toThrow();
    const ok = { ticketId: 'T-3', note: 'after a failure' };
    expect(body(w.write(1, type, ok))).toEqual(ok);
  });
});
