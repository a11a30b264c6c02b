import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';

// A registry replica behind its leader: it answers 404 for a schema id until it has caught up.
const SCHEMA = JSON.stringify({ type: 'record', name: 'R', namespace: 'n', fields: [{ name: 's', type: 'string' }] });
/** Per schema id, how many more requests are answered 404 before the schema (Infinity: never known). */
const behind = new Map<number, number>();
const requests = new Map<number, number>();

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = Number(/\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1]);
    requests.set(id, (requests.get(id) ?? 0) + 1);
    const left = behind.get(id) ?? 0;
    behind.set(id, left - 1);
    res.writeHead(left > 0 ? 404 : 200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(left > 0 ? { error_code: 40403, message: 'Schema not found' } : { schema: SCHEMA }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  behind.clear();
  requests.clear();
});

const framed = (id: number) => Buffer.from([0, 0, 0, 0, id, 4, 0x68, 0x69]);
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CloseloopError,
  );

describe('a schema id the registry answers 404 for', () => {
  it('is asked for again until the registry knows it, and the record is read', async () => {
    behind.set(5, 3);
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 5_000 });
    expect((await serde.decodeAs(framed(5), 'n.R')).value).toEqual({ s: 'hi' });
    expect(requests.get(5)).toBe(4);
  });

  it('stands as CL_SCHEMA_UNKNOWN_ID once the wait is over, and is not waited for again', async () => {
    behind.set(9, Infinity);
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 600 });
    const started = Date.now();
    const err = await failure(serde.decode(framed(9)));
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID', retriable: false });
    expect((err as Error).message).toBe('decoding a record with schema id 9: closeloop - Schema not found');
    expect(waited).toBeGreaterThanOrEqual(600);
    expect(requests.get(9)).toBeGreaterThan(2);
    // The next record of that id: asked once, refused at once.
    const asked = requests.get(9) ?? 0;
    expect(await failure(serde.decode(framed(9)))).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID' });
    expect(requests.get(9)).toBe(asked + 1);
  });

  it('is waited for once by records of that id read together', async () => {
    behind.set(7, 2);
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 5_000 });
    const read = await Promise.all([serde.decode(framed(7)), serde.decode(framed(7)), serde.decode(framed(7))]);
    expect(read.map((d) => d.value)).toEqual([{ s: 'hi' }, { s: 'hi' }, { s: 'hi' }]);
    expect(requests.get(7)).toBe(3);
  });
});
