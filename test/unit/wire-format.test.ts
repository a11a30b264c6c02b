import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde, readSchemaId } from '../../src/messaging/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback } from '../support/loopback-registry.ts';

describe('Confluent wire format header', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readSchemaId(Buffer.from([0, 0, 0, 1, 2, 99]))).toBe(258);
  });

  it.each([
    ['too short', Buffer.from([0, 0, 0])],
    ['wrong magic byte', Buffer.from([1, 0, 0, 0, 1, 2])],
    ['JSON text', Buffer.from('{"a":1}')],
  ])('rejects %s as malformed', (_name, buf) => {
    expect(() => readSchemaId(buf)).toThrow(CloseloopError);
    try {
      readSchemaId(buf);
    } catch (err) {
      expect((err as CloseloopError).code).toBe('CL_DECODE_MALFORMED');
    }
  });
});

// Apicurio's serde with its 8-byte id handler (Legacy8ByteIdHandler, Apicurio 2.x's default)
// writes magic byte 0, the id as an int64, then the Avro body: read as Confluent's, id 0.
const apicurio8 = (id: number, body: number[]) => {
  const header = Buffer.alloc(9);
  header.writeBigInt64BE(BigInt(id), 1);
  return Buffer.concat([header, Buffer.from(body)]);
};

describe("Apicurio's 8-byte id framing", () => {
  const cleanup = cleanupAfter('each');

  it('is named for what it is, with how to configure the producer', () => {
    let err: unknown;
    try {
      readSchemaId(apicurio8(7, [2, 0x68]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({
      code: 'CL_DECODE_MALFORMED',
      stage: 'decode',
      retriable: false,
      details: { framing: 'apicurio-8-byte-id', apicurioId: '7' },
    });
    expect((err as Error).message).toContain("Apicurio's 8-byte id framing");
    expect((err as Error).message).toContain('Default4ByteIdHandler');
  });

  it('leaves a Confluent id below 2^24, whose first byte is 0 too, what it is', () => {
    expect(readSchemaId(Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 2]))).toBe(1);
    expect(readSchemaId(Buffer.from([0, 0, 0xff, 0xff, 0xff, 2]))).toBe(0xffffff);
  });

  it('is dead-lettered at once by the serde: the registry is not asked for id 0, nor waited on', async () => {
    const { registry, url, serde: writer } = await startLoopback(cleanup);
    const schema = { type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'a', type: 'string' }] };
    const id = await writer.register('t-value', schema);
    const confluent = await writer.encode('t-value', { a: 'x' });
    // A wait as long as a test's own time-out: an unknown-id wait would fail the test.
    const reader = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 60_000 });
    const asked = registry.requests;
    const framed = apicurio8(id, [...confluent.subarray(5)]);
    for (const decoding of [reader.decode(framed), reader.decodeAs(framed, 'n.R')]) {
      await expect(decoding).rejects.toMatchObject({
        code: 'CL_DECODE_MALFORMED',
        retriable: false,
        details: { framing: 'apicurio-8-byte-id', apicurioId: String(id) },
      });
    }
    expect(() => reader.decodeKnown(framed, 'n.R')).toThrow(/Apicurio's 8-byte id framing/);
    expect(registry.requests).toBe(asked);
    // The Confluent record of that schema, id below 2^24, still reads.
    expect((await reader.decodeAs(confluent, 'n.R')).value).toEqual({ a: 'x' });
  });
});
