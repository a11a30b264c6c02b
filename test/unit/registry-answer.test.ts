import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback, TRAEFIK_404 } from '../support/loopback-registry.ts';

// Something in front of the registry answers in its place: a gateway's maintenance page, a
// proxy's empty JSON. And a registry whose schema text avsc refuses, which is the schema's fault.
const PAGE = '<html><body>Registry under maintenance. Call 555-0100.</body></html>';
const ANSWERS: Record<string, { type: string; body: string }> = {
  '11': { type: 'text/html', body: PAGE },
  '12': { type: 'application/json', body: '{}' },
  '13': {
    type: 'application/json',
    body: JSON.stringify({ schema: '{"type":"record","name":"bad-name","fields":[]}' }),
  },
};

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const id = /\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1];
    const answer = id === undefined ? { type: 'text/html', body: PAGE } : ANSWERS[id];
    res.writeHead(200, { 'content-type': answer?.type ?? 'text/html' });
    res.end(answer?.body ?? PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/apis/ccompat/v7`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// A registration waits out an unavailable registry (registration.ts); quickly here, where it stays so.
const FAST = { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 5 };
const framed = (id: number) => Buffer.from([0, 0, 0, 0, id, 4, 0x68, 0x69]);
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  return err as CloseloopError;
};

describe('an answer in the place of the registry', () => {
  it('is an unreachable registry (retriable), not a record whose schema cannot be read', async () => {
    const serde = new AvroSerde({ url, retries: 0 });
    const page = await failure(serde.decodeAs(framed(11), 'n.R'));
    expect(page).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    expect(page.message).toBe(
      'decoding a record with schema id 11: the answer to GET /schemas/ids/11 (HTTP 200) ' +
        "is not the registry's JSON: is a gateway or proxy answering in its place?",
    );
    // Nothing of the page: it may say anything.
    expect(page.message).not.toContain('555-0100');
    const empty = await failure(serde.decode(framed(12)));
    expect(empty).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    expect(empty.message).toContain("(HTTP 200) is not the registry's schema");
  });

  it('is so for a subject looked up to encode, and for a registration', async () => {
    const serde = new AvroSerde({ url, retries: 0, registerRetry: FAST });
    expect(await failure(serde.encode('x-value', {}))).toMatchObject({
      code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    expect(await failure(serde.register('x-value', { type: 'string' }))).toMatchObject({
      code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
  });

  it('leaves a schema text avsc refuses what it was: the schema cannot be read, a dead letter', async () => {
    const serde = new AvroSerde({ url, retries: 0 });
    const err = await failure(serde.decode(framed(13)));
    expect(err).toMatchObject({ code: 'CL_DECODE_MALFORMED', retriable: false });
    expect(err.details['schemaUnreadable']).toBe(true);
  });
});

// A reverse proxy whose registry is restarting answers 404 with a page of its own. The registry's
// own 404 is JSON with an error_code of 404xx (Confluent's and Apicurio's alike): only that one
// says a subject or schema id is unknown.
describe('a 404 in the place of the registry', () => {
  const cleanup = cleanupAfter('each');
  const SCHEMA = { type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'a', type: 'string' }] };
  const proxies = [
    TRAEFIK_404,
    // Kong with no route: JSON, with a message, but no error_code.
    { type: 'application/json; charset=utf-8', body: '{"message":"no Route matched with those values"}' },
    // An unknown path on a Confluent registry: its error_code is the bare status.
    { type: 'application/json', body: '{"error_code":404,"message":"HTTP 404 Not Found"}' },
    // An unknown path on Apicurio: no body at all.
    { type: 'application/json', body: '' },
  ];

  it.each(proxies)('is an unreachable registry for a schema id not yet fetched: $body', async (proxy) => {
    const { registry, url, serde: writer } = await startLoopback(cleanup);
    const id = await writer.register('t-value', SCHEMA);
    const value = await writer.encode('t-value', { a: 'x' });
    const reader = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0 });
    registry.proxy404 = proxy;
    const err = await failure(reader.decodeAs(value, 'n.R'));
    expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    expect(err.message).toBe(
      `decoding a record with schema id ${id}: the answer to GET /schemas/ids/${id} (HTTP 404) is not the ` +
        `registry's "not found": is a gateway or proxy answering in its place?`,
    );
    // The next record of that id is not taken for one of an unknown schema either.
    expect(await failure(reader.decode(value))).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE' });
    registry.proxy404 = null;
    expect((await reader.decodeAs(value, 'n.R')).value).toEqual({ a: 'x' });
  });

  it('is an unreachable registry for a subject looked up to encode, and for a registration', async () => {
    const { registry, url, serde: other } = await startLoopback(cleanup);
    await other.register('t-value', SCHEMA);
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, registerRetry: FAST });
    registry.proxy404 = TRAEFIK_404;
    expect(await failure(serde.encode('t-value', { a: 'x' }))).toMatchObject({
      code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    expect(await failure(serde.register('u-value', SCHEMA))).toMatchObject({
      code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
  });

  it("leaves the registry's own 404 what it says: an unknown schema id, a subject with nothing registered", async () => {
    const { serde } = await startLoopback(cleanup);
    expect(await failure(serde.decode(framed(99)))).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID', retriable: false });
    expect(await failure(serde.encode('none-value', { a: 'x' }))).toMatchObject({
      code: 'CL_SCHEMA_NOT_REGISTERED',
      retriable: false,
    });
    // And the first registration of a subject, which the registry's 404 for its level announces.
    expect(await serde.register('t-value', SCHEMA)).toBe(1);
  });
});
