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

// Apicurio's serde with apicurio.registry.headers.enabled writes the bare Avro body as the value,
// the writer's id in a header as an int64: no magic byte, no id in the value.
describe("Apicurio's id headers", () => {
  const cleanup = cleanupAfter('each');
  const SCHEMA = {
    type: 'record',
    name: 'R',
    namespace: 'n',
    fields: [
      { name: 'n', type: 'int' },
      { name: 'a', type: 'string' },
    ],
  };
  const idHeader = (id: number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(id));
    return b;
  };

  it.each(['apicurio.value.globalId', 'apicurio.value.contentId'])(
    'refuse the value at once, named, even when its body starts with byte 0: %s',
    async (name) => {
      const { registry, url, serde: writer } = await startLoopback(cleanup);
      const id = await writer.register('t-value', SCHEMA);
      const confluent = await writer.encode('t-value', { n: 0, a: 'a body that starts with 0' });
      const bare = confluent.subarray(5);
      expect(bare[0]).toBe(0);
      const reader = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 60_000 });
      const asked = registry.requests;
      const headers = { [name]: idHeader(id), 'apicurio.value.encoding': Buffer.from('BINARY') };
      const refused = {
        code: 'CL_DECODE_MALFORMED',
        retriable: false,
        details: { framing: 'apicurio-headers', apicurioHeader: name, apicurioId: String(id) },
      };
      await expect(reader.decodeAs(bare, 'n.R', headers)).rejects.toMatchObject(refused);
      await expect(reader.decode(bare, undefined, headers)).rejects.toMatchObject(refused);
      expect(() => reader.decodeKnown(bare, 'n.R', headers)).toThrow(/apicurio.registry.headers.enabled=false/);
      expect(registry.requests).toBe(asked);
      // Headers of another kind leave a Confluent record what it is.
      expect((await reader.decodeAs(confluent, 'n.R', { 'x-trace': Buffer.from('1') })).value).toEqual({
        n: 0,
        a: 'a body that starts with 0',
      });
    },
  );
});
