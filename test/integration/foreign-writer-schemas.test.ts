import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloseloopError } from '../../src/errors/index.ts';
import type { InboundEvent, TicketStatusChange, Violation, WorkOrderCommand } from '../../src/domain/index.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../src/processor/index.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { Bridge, crm, dept } from '../support/domain.ts';
import { endpoints } from '../support/kafka.ts';
import { SCHEMAS, awaitCount, feed, readCommitted, readCommittedRaw, startedProcessor } from '../support/processor.ts';

const cleanup = cleanupAfter('all');

interface Field {
  readonly name: string;
  type: unknown;
}
interface RecordSchema {
  fields: Field[];
}

const shipped = async (name: 'crmEvents' | 'deptEvents') =>
  structuredClone(
    (await readSchemaFile(path.join(SCHEMAS, `${CANONICAL[name]}.avsc`))).schema,
  ) as unknown as RecordSchema;
const drop = (s: RecordSchema, name: string) => {
  s.fields = s.fields.filter((f) => f.name !== name);
  return s;
};
const envelopeOf = (s: RecordSchema) => s.fields.find((f) => f.name === 'envelope')?.type as RecordSchema;

/*
 * City systems that publish themselves register their own versions of the input records, under
 * subjects of their own: a department system with no note in its records, a CRM feed without a
 * sequence. Leaving out a field the shipped schema defaults is the textbook compatible change;
 * such a writer's events must be taken as the same events written with the default.
 */
describe('a foreign writer that leaves out fields the shipped schema defaults', () => {
  it('has its events decided as if written with the defaults: no dead letter, no quarantine', async () => {
    const { messaging, config, processor, producer } = await started();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const noSequence = await shipped('crmEvents');
    drop(envelopeOf(noSequence), 'sequence');
    const noNote = drop(await shipped('deptEvents'), 'note');
    const crmOwn = `${config.topics.crmEvents}-no-sequence`;
    const deptOwn = `${config.topics.deptEvents}-no-note`;
    await serde.register(crmOwn, noSequence as never);
    await serde.register(deptOwn, noNote as never);

    const expected = new Bridge(config.policy);
    // Without a sequence, events are ordered by their time: ten minutes apart, more than
    // maxSequenceJump (100 000) if the time were taken for a sequence.
    const ago = (minutes: number) => ({ sequence: null, occurredAt: expected.now - minutes * 60_000 });
    const crmShipped = subjectForTopic(config.topics.crmEvents);
    const opening: [InboundEvent, string][] = [
      [crm('NS-1', 'OPENED', 0, { serviceCode: 'POTHOLE' }, ago(30)), crmOwn],
      [crm('NS-1', 'CANCELLED', 0, { closureReason: 'CANCELLED_BY_REQUESTOR' }, ago(20)), crmOwn],
      [crm('NN-1', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'deep hole' }), crmShipped],
    ];
    const working: [InboundEvent, string][] = [
      [dept('NN-1', 'NN-1#1', 'maximo', 'APPR', 2, { department: 'transportation' }), deptOwn],
      [dept('NN-1', 'NN-1#1', 'maximo', 'INPRG', 3, { department: 'transportation' }), deptOwn],
    ];
    // The tickets first, then their department's events (another topic, read at its own pace).
    for (const phase of [opening, working]) {
      for (const [e, subject] of phase) {
        expected.send(e);
        const topic = e.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
        // Fields a writer schema lacks are not written (the values still hold them as null).
        await producer.send(topic, [{ key: e.event.ticketId, value: await serde.encode(subject, e.event) }]);
      }
      await awaitCount(messaging, config.topics.status, expected.statuses.length, 60_000);
    }
    await processor.stop();

    const brief = (s: TicketStatusChange) => [s.ticketId, s.version, s.lifecycleState, s.crmStatus];
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map(brief)).toEqual(expected.statuses.map(brief));
    expect(values.filter((s) => s.ticketId === 'NN-1').at(-1)).toMatchObject({ lifecycleState: 'IN_PROGRESS' });
    const commands = await readCommitted<WorkOrderCommand>(messaging, config.topics.commands);
    expect(commands.values.map((c) => [c.ticketId, c.kind])).toEqual(
      expected.commands.map((c) => [c.ticketId, c.kind]),
    );
    expect(commands.values.some((c) => c.ticketId === 'NS-1' && c.kind === 'CANCEL')).toBe(true);
    expect((await readCommitted<Violation>(messaging, config.topics.quarantine)).values).toEqual([]);
    for (const topic of [config.topics.crmEvents, config.topics.deptEvents]) {
      expect(await readCommittedRaw(messaging, deadLetterTopic(topic))).toEqual([]);
    }
  }, 120_000);
});

describe("a foreign writer whose time unit is not the shipped schema's milliseconds", () => {
  it('has microseconds read as milliseconds, and a local timestamp refused naming the field', async () => {
    const { messaging, config, processor, producer } = await started();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const writer = async (logicalType: string) => {
      const s = await shipped('deptEvents');
      const expectedAt = s.fields.find((f) => f.name === 'expectedAt');
      if (!expectedAt) throw new Error('the shipped schema has no expectedAt');
      expectedAt.type = ['null', { type: 'long', logicalType }];
      const subject = `${config.topics.deptEvents}-${logicalType}`;
      await serde.register(subject, s as never);
      return subject;
    };
    const micros = await writer('timestamp-micros');
    const local = await writer('local-timestamp-micros');

    const expected = new Bridge(config.policy);
    const opening = [
      crm('MU-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('LO-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    for (const e of opening) expected.send(e);
    await feed(config, messaging, opening);
    await awaitCount(messaging, config.topics.status, expected.statuses.length, 60_000);

    const due = expected.now + 3 * 86_400_000;
    const scheduled = dept('MU-1', 'MU-1#1', 'maximo', 'WSCH', 2, { department: 'transportation', expectedAt: due });
    expected.send(scheduled);
    const localDue = dept('LO-1', 'LO-1#1', 'maximo', 'WSCH', 2, { department: 'transportation', expectedAt: due });
    await producer.send(config.topics.deptEvents, [
      { key: 'MU-1', value: await serde.encode(micros, { ...scheduled.event, expectedAt: due * 1000 }) },
      { key: 'LO-1', value: await serde.encode(local, { ...localDue.event, expectedAt: due * 1000 }) },
    ]);
    await awaitCount(messaging, deadLetterTopic(config.topics.deptEvents), 1, 60_000);
    await awaitCount(messaging, config.topics.status, expected.statuses.length, 60_000);
    await processor.stop();

    const brief = (s: TicketStatusChange) => [s.ticketId, s.version, s.lifecycleState, s.expectedAt];
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map(brief)).toEqual(expected.statuses.map(brief));
    expect(values.find((s) => s.ticketId === 'MU-1' && s.version === 2)?.expectedAt).toBe(due);
    const dead = await readCommittedRaw(messaging, deadLetterTopic(config.topics.deptEvents));
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['LO-1', 'CL_SCHEMA_MISMATCH'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.message]?.toString()).toContain(
      'expectedAt is written as local-timestamp-micros, which is no timestamp-millis',
    );
  }, 120_000);
});

/*
 * A CRM team that generates Java classes from its copy of the schema, in its own package, writes
 * the nested types (the envelope, the enums, the location) in its namespace. Avro matches named
 * types by their unqualified name, so the registry takes that schema under closeloop's own subject
 * as BACKWARD-compatible, and Avro Java reads its records: closeloop must too.
 */
describe('a foreign writer whose nested types are in its own namespace', () => {
  const inNamespace = (s: RecordSchema, namespace: string) => {
    const walk = (t: unknown): void => {
      if (Array.isArray(t)) return t.forEach(walk);
      if (!t || typeof t !== 'object') return;
      const named = t as { type?: unknown; namespace?: string; fields?: Field[] };
      if (named.type === 'record' || named.type === 'enum') named.namespace = namespace;
      named.fields?.forEach((f) => walk(f.type));
    };
    s.fields.forEach((f) => walk(f.type));
    return s;
  };

  it("is registered under closeloop's subject and decided; one that differs in structure is refused", async () => {
    const { messaging, config, processor, producer } = await started();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = subjectForTopic(config.topics.crmEvents);
    const retyped = inNamespace(await shipped('crmEvents'), 'gov.city.crm.avro');
    const eventId = envelopeOf(retyped).fields.find((f) => f.name === 'eventId');
    if (!eventId) throw new Error('the shipped envelope has no eventId');
    eventId.type = 'long';
    // The registry refuses it for its eventId, and so does the reason given: not for the namespace.
    const refusal = await serde.register(subject, retyped as never).catch((err: unknown) => err as CloseloopError);
    expect(refusal).toMatchObject({ code: 'CL_SCHEMA_INCOMPATIBLE' });
    expect((refusal as CloseloopError).message).toContain('cannot read "string" as "long"');
    // Registered after the registry's own compatibility check against the shipped schema.
    await serde.register(subject, inNamespace(await shipped('crmEvents'), 'gov.city.crm.avro') as never);
    const own = `${config.topics.crmEvents}-retyped`;
    await serde.register(own, retyped as never);

    const expected = new Bridge(config.policy);
    const location = { address: '100 Main St', latitude: null, longitude: null, district: 'D4' };
    const events = [
      crm('GV-1', 'OPENED', 1, { serviceCode: 'POTHOLE', channel: 'WEB', location }),
      crm('GV-1', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }),
    ];
    for (const e of events) {
      expected.send(e);
      await producer.send(config.topics.crmEvents, [
        { key: e.event.ticketId, value: await serde.encode(subject, e.event) },
      ]);
    }
    const refused = crm('RT-1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const body = { ...refused.event, envelope: { ...refused.event.envelope, eventId: 42 } };
    await producer.send(config.topics.crmEvents, [{ key: 'RT-1', value: await serde.encode(own, body) }]);
    await awaitCount(messaging, deadLetterTopic(config.topics.crmEvents), 1, 60_000);
    await awaitCount(messaging, config.topics.status, expected.statuses.length, 60_000);
    await processor.stop();

    const brief = (s: TicketStatusChange) => [s.ticketId, s.version, s.lifecycleState, s.crmStatus];
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map(brief)).toEqual(expected.statuses.map(brief));
    expect(values.find((s) => s.ticketId === 'GV-1')?.channel).toBe('WEB');
    const commands = await readCommitted<WorkOrderCommand>(messaging, config.topics.commands);
    expect(commands.values.map((c) => [c.ticketId, c.kind])).toEqual(
      expected.commands.map((c) => [c.ticketId, c.kind]),
    );
    expect(commands.values.some((c) => c.ticketId === 'GV-1' && c.kind === 'CANCEL')).toBe(true);
    expect((await readCommitted<Violation>(messaging, config.topics.quarantine)).values).toEqual([]);
    const dead = await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents));
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['RT-1', 'CL_SCHEMA_MISMATCH'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.message]?.toString()).toContain('this closeloop cannot read');
  }, 120_000);
});

/*
 * A department publishing with Apicurio's own serde and its 8-byte id handler (Apicurio 2.x's
 * default) writes magic byte 0, the schema's global id as an int64, then the Avro body. Read as
 * the Confluent wire format that is schema id 0: it is dead-lettered at once, named for its
 * framing, not after a wait for a schema id 0 no registry has. With headers enabled, the serde
 * writes the id in a header and the bare body as the value: named so too.
 */
describe("a department writing with Apicurio's serde and global ids", () => {
  it('has its record dead-lettered at once, naming the framing and how to configure the producer', async () => {
    const { messaging, config, processor, producer } = await started();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = `${config.topics.deptEvents}-apicurio`;
    await serde.register(subject, (await shipped('deptEvents')) as never);
    const globalId = await apicurioGlobalId(subject);
    const opening = crm('AP-1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    await feed(config, messaging, [opening]);
    await awaitCount(messaging, config.topics.status, 1, 60_000);

    const event = dept('AP-1', 'AP-1#1', 'maximo', 'APPR', 2, { department: 'transportation' }).event;
    const confluent = await serde.encode(subject, event);
    const header = Buffer.alloc(9);
    header.writeBigInt64BE(BigInt(globalId), 1);
    // With apicurio.registry.headers.enabled, the id goes into a header and the value is the bare body.
    const idHeader = Buffer.alloc(8);
    idHeader.writeBigInt64BE(BigInt(globalId));
    await producer.send(config.topics.deptEvents, [
      { key: 'AP-1', value: Buffer.concat([header, confluent.subarray(5)]) },
      { key: 'AP-1', value: confluent.subarray(5), headers: { 'apicurio.value.globalId': idHeader } },
    ]);
    await awaitCount(messaging, deadLetterTopic(config.topics.deptEvents), 2, 60_000);
    await processor.stop();

    const dead = await readCommittedRaw(messaging, deadLetterTopic(config.topics.deptEvents));
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['AP-1', 'CL_DECODE_MALFORMED'],
      ['AP-1', 'CL_DECODE_MALFORMED'],
    ]);
    const message = dead[0]?.headers[DLQ_HEADERS.message]?.toString();
    expect(message).toContain(`Apicurio's 8-byte id framing (magic byte 0, then id ${globalId} in 8 bytes`);
    expect(message).toContain('apicurio.registry.id-handler=io.apicurio.registry.serde.Default4ByteIdHandler');
    expect(dead[1]?.headers[DLQ_HEADERS.message]?.toString()).toContain(
      `Apicurio's header apicurio.value.globalId (${globalId}) and a bare Avro body`,
    );
    // The dead letter keeps the record's own headers, for a replay once the producer is fixed.
    expect(dead[1]?.headers['apicurio.value.globalId']).toEqual(idHeader);
  }, 120_000);
});

/** The global id Apicurio gave a subject's latest version, from its native API (ccompat gives content ids). */
async function apicurioGlobalId(subject: string): Promise<number> {
  const native = endpoints().registryUrl.replace(/\/apis\/ccompat\/v7\/?$/, '/apis/registry/v3');
  const answer = await fetch(`${native}/search/versions?artifactId=${encodeURIComponent(subject)}`);
  const found = (await answer.json()) as { versions?: { globalId: number }[] };
  const ids = (found.versions ?? []).map((v) => v.globalId);
  if (ids.length === 0) throw new Error(`Apicurio has no version of ${subject}`);
  return Math.max(...ids);
}

const started = () => startedProcessor(cleanup, 1);
