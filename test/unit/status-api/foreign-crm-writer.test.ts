import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrmTicketEvent } from '../../../src/domain/index.ts';
import { AvroSerde, createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { RequestFacts, StatusFeed, StatusProjection } from '../../../src/status-api/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';
import { startServer, status, T0 } from './fixtures.ts';

const cleanup = cleanupAfter('each');

interface Field {
  readonly name: string;
  type: unknown;
}
interface RecordSchema {
  fields: Field[];
}

const shippedCrm = async () =>
  structuredClone(
    (await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.crmEvents}.avsc`))).schema,
  ) as unknown as RecordSchema;
const fieldOf = (s: RecordSchema, name: string) => {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`the shipped schema has no ${name}`);
  return f;
};
/** The CRM schema with requestedAt and crmDueAt counted in `unit`, as a Java or Debezium CRM writes. */
const timedIn = async (logicalType: string) => {
  const s = await shippedCrm();
  for (const name of ['requestedAt', 'crmDueAt']) fieldOf(s, name).type = ['null', { type: 'long', logicalType }];
  return s;
};
/** The CRM schema without channel, and with a public location that has no district (both default null). */
const lacking = async () => {
  const s = await shippedCrm();
  s.fields = s.fields.filter((f) => f.name !== 'channel');
  const location = (fieldOf(s, 'location').type as [string, RecordSchema])[1];
  location.fields = location.fields.filter((f) => f.name !== 'district');
  return s;
};

const DUE = T0 + 3 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function opened(ticketId: string, over: Partial<CrmTicketEvent> = {}): CrmTicketEvent {
  return {
    envelope: {
      eventId: `${ticketId}-opened`,
      jurisdiction: 'yeg',
      source: 'crm',
      sequence: 1,
      occurredAt: T0,
      origin: 'crm',
      correlationId: null,
    },
    ticketId,
    kind: 'OPENED',
    serviceCode: 'POTHOLE',
    serviceName: 'Pothole',
    description: 'deep hole',
    requestedAt: T0,
    duplicateOf: null,
    followUpOf: null,
    closureReason: null,
    note: null,
    channel: 'WEB',
    requestKind: 'SERVICE',
    location: { address: '1 Main St', latitude: 53.5, longitude: -113.5, district: 'Ward 1' },
    crmDueAt: DUE,
    department: null,
    ...over,
  };
}

/*
 * The status API reads the CRM's events for the public fields of each request. The CRM's
 * producer is not closeloop: its writer schema may count time in microseconds or leave out fields
 * the shipped schema defaults. The public output must show what the processor reads the same
 * records as, and a writer the processor refuses is skipped, logged and counted, not published.
 */
describe('status feed reading a CRM writer of its own', () => {
  it('publishes microseconds as the dates they are, a missing defaulted field as null, and skips a local time', async () => {
    const { url } = await startLoopback(cleanup);
    const loaded = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
    const { config } = loaded;
    const messaging = createInMemoryMessaging({ rewindDelayMs: 20 });
    await messaging.admin().ensureTopics([
      { topic: config.topics.status, partitions: 1 },
      { topic: config.topics.crmEvents, partitions: 1 },
    ]);

    const writer = new AvroSerde({ url, retries: 0 });
    const statusSubject = subjectForTopic(config.topics.status);
    const statusFile = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.status}.avsc`));
    await writer.register(statusSubject, statusFile.schema);
    const own = async (name: string, schema: RecordSchema) => {
      const subject = `${config.topics.crmEvents}-${name}`;
      await writer.register(subject, schema as never);
      return subject;
    };
    const micros = await own('micros', await timedIn('timestamp-micros'));
    const local = await own('local', await timedIn('local-timestamp-micros'));
    const sparse = await own('sparse', await lacking());

    const ids = ['MU-1', 'ND-1', 'LO-1'];
    await messaging
      .producer()
      .send(
        config.topics.status,
        await Promise.all(
          ids.map(async (id) => ({ key: id, value: await writer.encode(statusSubject, status(id, 1)) })),
        ),
      );
    const timesInMicros = { requestedAt: T0 * 1000, crmDueAt: DUE * 1000 };
    await messaging.producer().send(config.topics.crmEvents, [
      { key: 'MU-1', value: await writer.encode(micros, opened('MU-1', timesInMicros)) },
      // Fields its schema lacks are not written (the value still holds them).
      { key: 'ND-1', value: await writer.encode(sparse, opened('ND-1')) },
      { key: 'LO-1', value: await writer.encode(local, opened('LO-1', timesInMicros)) },
    ]);

    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const projection = new StatusProjection();
    const facts = new RequestFacts();
    // A serde of its own that registers nothing, as the status API's.
    const serde = new AvroSerde({ ...config.schemaRegistry, retries: 0 });
    const feed = new StatusFeed({ config, messaging, serde, projection, facts, logger });
    cleanup.push(() => feed.stop());
    await feed.start();

    const { server, base } = await startServer(projection, { facts });
    cleanup.push(() => server.stop());
    const request = async (id: string) => {
      const res = await fetch(`${base}/requests/${id}.json`);
      expect(res.status).toBe(200);
      const [answer] = (await res.json()) as Record<string, unknown>[];
      return answer;
    };

    expect(await request('MU-1')).toMatchObject({
      requested_datetime: iso(T0),
      expected_datetime: iso(DUE),
    });
    expect(facts.get('MU-1')).toMatchObject({ requestedAt: T0, crmDueAt: DUE });

    expect(await request('ND-1')).toMatchObject({
      address: '1 Main St',
      lat: 53.5,
      long: -113.5,
      requested_datetime: iso(T0),
    });
    expect(facts.get('ND-1')).toMatchObject({
      channel: null,
      location: { address: '1 Main St', latitude: 53.5, longitude: -113.5, district: null },
    });

    // Refused as the processor refuses it: the status is served, without the CRM's facts.
    expect(facts.get('LO-1')).toBeUndefined();
    expect(await request('LO-1')).toMatchObject({ requested_datetime: null, address: null });
    expect(feed.undecodable).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'CRM event skipped',
        topic: config.topics.crmEvents,
        offset: '2',
        code: 'CL_SCHEMA_MISMATCH',
        err: expect.stringContaining('requestedAt is written as local-timestamp-micros') as unknown,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('deep hole');
  });
});

/** A feed over CRM events the test writes with the shipped schema (or `newer`), and its log lines. */
async function crmFeed(
  write: (w: {
    encode: (e: CrmTicketEvent, newer?: boolean) => Promise<Buffer>;
  }) => Promise<{ key: string | null; value: Buffer }[]>,
) {
  const { url } = await startLoopback(cleanup);
  const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const messaging = createInMemoryMessaging({ rewindDelayMs: 20 });
  await messaging.admin().ensureTopics([
    { topic: config.topics.status, partitions: 1 },
    { topic: config.topics.crmEvents, partitions: 1 },
  ]);
  const writer = new AvroSerde({ url, retries: 0 });
  const shipped = subjectForTopic(config.topics.crmEvents);
  await writer.register(shipped, (await shippedCrm()) as never);
  // A newer version of the CRM's schema, with a kind this closeloop does not know.
  const newer = await shippedCrm();
  const kind = fieldOf(newer, 'kind').type as { symbols: string[] };
  kind.symbols = [...kind.symbols, 'ESCALATED'];
  const newerSubject = `${config.topics.crmEvents}-newer`;
  await writer.register(newerSubject, newer as never);
  const records = await write({ encode: (e, isNewer) => writer.encode(isNewer ? newerSubject : shipped, e) });
  await messaging.producer().send(config.topics.crmEvents, records);

  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const projection = new StatusProjection();
  const facts = new RequestFacts();
  const serde = new AvroSerde({ ...config.schemaRegistry, retries: 0 });
  const feed = new StatusFeed({ config, messaging, serde, projection, facts, logger });
  cleanup.push(() => feed.stop());
  await feed.start();
  const { server, base } = await startServer(projection, { facts });
  cleanup.push(() => server.stop());
  return { feed, facts, lines, base };
}

/*
 * An event the processor decodes but refuses (CL_RECORD_INVALID: toInbound) is dead-lettered there
 * and never changes its ticket; published, it would show a request "received" for good and count
 * in the public figures.
 */
describe('status feed reading CRM events the processor refuses', () => {
  it('skips, logs and counts an event with no key, an id too long or a kind from a newer schema', async () => {
    const newKind = { ...opened('NEWKIND-1'), kind: 'ESCALATED' } as unknown as CrmTicketEvent;
    const { feed, facts, lines, base } = await crmFeed(async (w) => [
      { key: null, value: await w.encode(opened('KEYLESS-1')) },
      { key: 'OTHER-1', value: await w.encode(opened('KEYED-1')) },
      { key: 'LONG-1', value: await w.encode(opened('LONG-1', { serviceName: 'Pothole '.repeat(40) })) },
      { key: 'NEWKIND-1', value: await w.encode(newKind, true) },
      { key: 'GOOD-1', value: await w.encode(opened('GOOD-1')) },
    ]);

    for (const id of ['KEYLESS-1', 'KEYED-1', 'LONG-1', 'NEWKIND-1']) expect(facts.get(id)).toBeUndefined();
    expect(facts.get('GOOD-1')).toMatchObject({ serviceName: 'Pothole', crmDueAt: DUE });
    expect((await fetch(`${base}/requests/KEYLESS-1.json`)).status).toBe(404);
    expect((await fetch(`${base}/requests/GOOD-1.json`)).status).toBe(200);

    expect(feed.undecodable).toBe(4);
    expect(lines).toEqual(
      ['0', '1', '2', '3'].map((offset) =>
        expect.objectContaining({ msg: 'CRM event skipped', offset, code: 'CL_RECORD_INVALID' }),
      ),
    );
    expect(String(lines[2]?.['err'])).toMatch(/serviceName is 320 characters long/);
    expect(String(lines[3]?.['err'])).toMatch(/kind "ESCALATED" is not one this closeloop knows/);
    expect(JSON.stringify(lines)).not.toContain('deep hole');
    expect(JSON.stringify(lines)).not.toContain('1 Main St');
  });
});

/*
 * A CRM due date in seconds, or in microseconds written as a plain long, is no date the CRM meant:
 * the rest of the event is published, the date is left out, logged and counted.
 */
describe('status feed reading a CRM due date in another unit', () => {
  it('leaves out a due date in seconds or microseconds, logs and counts it, and publishes the rest', async () => {
    const { feed, facts, lines, base } = await crmFeed(async (w) => [
      { key: 'DUE-SEC', value: await w.encode(opened('DUE-SEC', { crmDueAt: Math.floor(DUE / 1000) })) },
      { key: 'DUE-MICRO', value: await w.encode(opened('DUE-MICRO', { crmDueAt: DUE * 1000 })) },
      { key: 'DUE-OK', value: await w.encode(opened('DUE-OK')) },
    ]);
    expect(facts.get('DUE-SEC')).toMatchObject({ serviceName: 'Pothole', crmDueAt: null });
    expect(facts.get('DUE-MICRO')).toMatchObject({ serviceName: 'Pothole', crmDueAt: null });
    expect(facts.get('DUE-OK')).toMatchObject({ crmDueAt: DUE });
    for (const id of ['DUE-SEC', 'DUE-MICRO']) {
      const [answer] = (await (await fetch(`${base}/requests/${id}.json`)).json()) as Record<string, unknown>[];
      expect(answer).toMatchObject({ status: 'open', expected_datetime: null, service_notice: null });
    }
    expect(feed.undecodable).toBe(0);
    expect(feed.unbelievedDates).toBe(2);
    expect(lines).toEqual(
      ['0', '1'].map((offset) =>
        expect.objectContaining({
          msg: 'CRM date not believed',
          offset,
          doubt: expect.stringMatching(/^crmDueAt /) as unknown,
        }),
      ),
    );
  });
});
