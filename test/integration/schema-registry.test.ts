import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { stateFromRecord, stateToRecord } from '../../src/processor/index.ts';
import { Bridge, crm, dept, testPolicy } from '../support/domain.ts';
import { endpoints, uniqueName } from '../support/kafka.ts';

const load = async (name: string) =>
  JSON.parse(await readFile(`test/fixtures/schemas/${name}.avsc`, 'utf8')) as Record<string, unknown>;

async function versions(subject: string): Promise<number[]> {
  const res = await fetch(`${endpoints().registryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
  return (await res.json()) as number[];
}

async function isApicurio(): Promise<boolean> {
  const base = endpoints().registryUrl.replace(/\/apis\/ccompat\/v7\/?$/, '');
  const res = await fetch(`${base}/apis/registry/v3/system/info`).catch(() => undefined);
  return res?.status === 200;
}

async function rejection(p: Promise<unknown>): Promise<CloseloopError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  return err as CloseloopError;
}

describe('schema registration against the real registry', () => {
  it('refuses an incompatible version with the reasons, and registers nothing', async () => {
    const subject = uniqueName('it.compat') + '-value';
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    await serde.register(subject, await load('probe-v1'));
    const err = await rejection(serde.register(subject, await load('probe-v2-incompatible')));
    expect(err.code).toBe('CL_SCHEMA_INCOMPATIBLE');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(subject);
    // The reason names the offending field, whichever registry gave it.
    expect(err.message).toContain('department');
    expect(await versions(subject)).toEqual([1]);
  });

  it('is refused by the registry itself, not only by our pre-check', async () => {
    const subject = uniqueName('it.compat-raw') + '-value';
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    await serde.register(subject, await load('probe-v1'));
    const res = await fetch(`${endpoints().registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(await load('probe-v2-incompatible')) }),
    });
    expect(res.status).toBe(409);
    expect(await versions(subject)).toEqual([1]);
  });

  it('registers a compatible version, and old records still decode', async () => {
    const subject = uniqueName('it.evolve') + '-value';
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const v1 = await serde.register(subject, await load('probe-v1'));
    const old = await serde.encode(subject, { ticketId: 'T-7', status: 'CLOSED', note: null, occurredAt: 1 });
    const v2 = await serde.register(subject, await load('probe-v2-compatible'));
    expect(v2).not.toBe(v1);
    expect(await versions(subject)).toEqual([1, 2]);
    const fresh = await serde.encode(subject, {
      ticketId: 'T-8',
      status: 'OPEN',
      note: null,
      occurredAt: 2,
      priority: 1,
    });
    expect(fresh.readInt32BE(1)).toBe(v2);
    expect((await serde.decode(old)).value).toEqual({ ticketId: 'T-7', status: 'CLOSED', note: null, occurredAt: 1 });
  });

  it('copes with Apicurio answering GET /config/{subject} with the global level', async () => {
    const subject = uniqueName('it.config') + '-value';
    const config = () => fetch(`${endpoints().registryUrl}/config/${subject}`);
    // Both registries answer 404 for a subject that does not exist yet.
    expect((await config()).status).toBe(404);
    // Registered by someone else, with no level of its own.
    const raw = await fetch(`${endpoints().registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(await load('probe-v1')) }),
    });
    expect(raw.status).toBe(200);
    const res = await config();
    if (await isApicurio()) {
      // Confluent answers 404 (40408) here; Apicurio answers 200 with its global rule.
      // @kafkajs/confluent-schema-registry compares that level with the one it is asked to
      // enforce, so a mismatch must come out as a clear configuration error.
      expect(res.status).toBe(200);
      expect(((await res.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
      const strict = new AvroSerde({ url: endpoints().registryUrl, compatibility: 'BACKWARD_TRANSITIVE' });
      const err = await rejection(strict.register(subject, await load('probe-v2-compatible')));
      expect(err.code).toBe('CL_SCHEMA_REGISTRY_MISCONFIGURED');
      expect(err.message).toContain('BACKWARD_TRANSITIVE');
      expect(await versions(subject)).toEqual([1]);
    } else {
      expect(res.status).toBe(404);
    }
    // With the level the registry enforces, the next version registers.
    await new AvroSerde({ url: endpoints().registryUrl }).register(subject, await load('probe-v2-compatible'));
    expect(await versions(subject)).toEqual([1, 2]);
  });

  it('sets the required level on a subject it registers first', async () => {
    const subject = uniqueName('it.transitive') + '-value';
    const serde = new AvroSerde({ url: endpoints().registryUrl, compatibility: 'BACKWARD_TRANSITIVE' });
    await serde.register(subject, await load('probe-v1'));
    const res = await fetch(`${endpoints().registryUrl}/config/${subject}`);
    expect(((await res.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD_TRANSITIVE');
  });

  it('lets processes that start together register the same new subject, each getting the same id', async () => {
    // Two processors of one group start at once; each sets the subject's level, and the registry
    // lets only one create the rule. The other must not fail start-up over it.
    const subject = uniqueName('it.together') + '-value';
    const schema = await load('probe-v1');
    const serdes = Array.from(
      { length: 6 },
      () => new AvroSerde({ url: endpoints().registryUrl, compatibility: 'BACKWARD_TRANSITIVE' }),
    );
    const ids = await Promise.all(serdes.map((s) => s.register(subject, schema)));
    expect(new Set(ids).size).toBe(1);
    expect(await versions(subject)).toEqual([1]);
  });
});

describe('typed decode and encode failures', () => {
  const serde = () => new AvroSerde({ url: endpoints().registryUrl });

  it('reports an unknown schema id as a data error', async () => {
    const frame = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), Buffer.from([2, 0x41])]);
    frame.writeInt32BE(987_654_321, 1);
    const err = await rejection(serde().decode(frame));
    expect(err.code).toBe('CL_SCHEMA_UNKNOWN_ID');
    expect(err.stage).toBe('decode');
    expect(err.retriable).toBe(false);
  });

  it('reports bytes that are not in the wire format as malformed', async () => {
    const err = await rejection(serde().decode(Buffer.from('{"not":"avro"}')));
    expect(err.code).toBe('CL_DECODE_MALFORMED');
    expect(err.retriable).toBe(false);
  });

  it('reports a truncated Avro body as malformed', async () => {
    const subject = uniqueName('it.truncated') + '-value';
    const s = serde();
    await s.register(subject, await load('probe-v1'));
    const full = await s.encode(subject, { ticketId: 'T-9', status: 'OPEN', note: 'x', occurredAt: 5 });
    const err = await rejection(s.decode(full.subarray(0, 8)));
    expect(err.code).toBe('CL_DECODE_MALFORMED');
  });

  it('refuses to encode a value that does not match the schema, naming the field', async () => {
    const subject = uniqueName('it.invalid') + '-value';
    const s = serde();
    await s.register(subject, await load('probe-v1'));
    const err = await rejection(s.encode(subject, { ticketId: 'T-1', status: 'MAYBE', note: null, occurredAt: 1 }));
    expect(err.code).toBe('CL_ENCODE_INVALID');
    expect(err.details['invalidPaths']).toEqual(['status']);
  });

  it('reports a record whose schema id is a JSON schema, not Avro, as malformed', async () => {
    const subject = uniqueName('it.json') + '-value';
    const res = await fetch(`${endpoints().registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({
        schemaType: 'JSON',
        schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }),
      }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    const framed = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), Buffer.from('{"any":1}')]);
    framed.writeInt32BE(id, 1);
    const err = await rejection(serde().decode(framed));
    expect(err.code).toBe('CL_DECODE_MALFORMED');
    expect(err.message).toContain('not an Avro schema');
  });

  it('refuses to encode for a subject with no schema', async () => {
    const err = await rejection(serde().encode(uniqueName('it.none') + '-value', { any: 1 }));
    expect(err.code).toBe('CL_SCHEMA_NOT_REGISTERED');
  });
});

describe('ids from other systems through the registry', () => {
  it('keeps a work order whose id is "__proto__" with its last-heard time through the changelog schema', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('T', '__proto__', 'maximo', 'WSCH', 2, { expectedAt: 1_800_000_000_000 }));
    bridge.send(dept('T', 'constructor', 'maximo', 'INPRG', 3));
    const state = bridge.ticket('T');
    const seen = state.workOrders.filter((w) => w.seenAt !== null).map((w) => w.workOrderId);
    expect(seen).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    const subject = uniqueName('it.state') + '-value';
    const s = new AvroSerde({ url: endpoints().registryUrl });
    await s.register(subject, JSON.parse(await readFile('schemas/bridge.ticket-state.v1.avsc', 'utf8')));
    const { value } = await s.decode<Record<string, unknown>>(await s.encode(subject, stateToRecord(state)));
    expect(stateFromRecord(value)).toEqual(state);
  });
});
