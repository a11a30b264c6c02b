import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';

// A registry that answers schema ids with what another producer may have registered.
const SCHEMAS: Record<string, unknown> = {
  '1': { schemaType: 'XML', schema: '<x/>' },
  '2': { schema: JSON.stringify({ type: 'record', name: 'bad-name', fields: [] }) },
  '3': {
    schema: JSON.stringify({ type: 'record', name: 'R', namespace: 'n', fields: [{ name: 's', type: 'string' }] }),
  },
};

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = /\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1];
    const body = id === undefined ? undefined : SCHEMAS[id];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error_code: 40403, message: 'Schema not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const framed = (id: number, body: Buffer) => {
  const b = Buffer.concat([Buffer.alloc(5), body]);
  b.writeInt32BE(id, 1);
  return b;
};
const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  return { code: (err as CloseloopError).code, retriable: (err as CloseloopError).retriable };
};

describe('AvroSerde on schemas it cannot use', () => {
  it('refuses a record under a schema of another type as malformed data, not an outage', async () => {
    const serde = new AvroSerde({ url, retries: 0 });
    expect(await codeOf(serde.decode(framed(1, Buffer.from('x'))))).toEqual({
      code: 'CL_DECODE_MALFORMED',
      retriable: false,
    });
  });

  it('refuses a record under an Avro schema that does not parse as malformed data, not an outage', async () => {
    const serde = new AvroSerde({ url, retries: 0 });
    expect(await codeOf(serde.decode(framed(2, Buffer.alloc(0))))).toEqual({
      code: 'CL_DECODE_MALFORMED',
      retriable: false,
    });
    expect(await codeOf(serde.decodeAs(framed(2, Buffer.alloc(0)), 'n.R'))).toEqual({
      code: 'CL_DECODE_MALFORMED',
      retriable: false,
    });
  });

  it('still reads a good schema, and an unknown id is a data error', async () => {
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0 });
    expect((await serde.decode(framed(3, Buffer.from([4, 0x68, 0x69])))).value).toEqual({ s: 'hi' });
    expect(await codeOf(serde.decode(framed(9, Buffer.alloc(0))))).toEqual({
      code: 'CL_SCHEMA_UNKNOWN_ID',
      retriable: false,
    });
  });
});
