import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TicketStatusChange, Violation } from '../../src/domain/index.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../src/processor/index.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { Bridge, crm } from '../support/domain.ts';
import { endpoints } from '../support/kafka.ts';
import { SCHEMAS, awaitCount, readCommitted, readCommittedRaw, startedProcessor } from '../support/processor.ts';

const cleanup = cleanupAfter('all');

interface Field {
  readonly name: string;
  type: unknown;
}

/** The enum of a field, whether the field is the enum or a union with null. */
function symbolsOf(fields: readonly Field[], name: string): string[] {
  const type = fields.find((f) => f.name === name)?.type;
  const enumType = (Array.isArray(type) ? type.find((t) => typeof t === 'object') : type) as { symbols?: string[] };
  if (!enumType?.symbols) throw new Error(`${name} is not an enum`);
  return enumType.symbols;
}

const started = () => startedProcessor(cleanup, 1);

describe('a CRM source that registered a newer version of its subject', () => {
  it('dead-letters a kind closeloop does not know, quarantines an unknown reason, carries an unknown channel', async () => {
    const { messaging, config, processor, producer } = await started();

    // The shipped schema with one enum symbol more in each of three fields: each addition is
    // BACKWARD-compatible, so the registry takes it as the subject's next version.
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.crmEvents}.avsc`));
    const newer = structuredClone(file.schema) as { fields: Field[] };
    symbolsOf(newer.fields, 'kind').push('REOPENED');
    symbolsOf(newer.fields, 'closureReason').push('MERGED_ELSEWHERE');
    symbolsOf(newer.fields, 'channel').push('KIOSK');
    const subject = subjectForTopic(config.topics.crmEvents);
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const before = await serde.register(subject, file.schema);
    expect(await serde.register(subject, newer)).not.toBe(before);

    const events = [
      crm('E-1', 'OPENED', 1, { serviceCode: 'POTHOLE', channel: 'KIOSK' as never }),
      crm('E-2', 'OPENED', 1, { serviceCode: 'POTHOLE', channel: 'WEB' }),
      crm('E-1', 'REOPENED' as never, 2),
      crm('E-2', 'CANCELLED', 2, { closureReason: 'MERGED_ELSEWHERE' as never }),
      // After the records it cannot take, the partition goes on.
      crm('E-3', 'OPENED', 1, { serviceCode: 'WATER' }),
    ];
    const records = [];
    for (const e of events) records.push({ key: e.event.ticketId, value: await serde.encode(subject, e.event) });
    await producer.send(config.topics.crmEvents, records);

    const expected = new Bridge(config.policy);
    for (const e of [events[0], events[1], events[4]]) if (e) expected.send(e);
    await awaitCount(messaging, deadLetterTopic(config.topics.crmEvents), 1, 60_000);
    await awaitCount(messaging, config.topics.status, expected.statuses.length, 60_000);
    await processor.stop();

    const [dead, ...more] = await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents));
    expect(more).toEqual([]);
    expect(dead?.key?.toString()).toBe('E-1');
    expect(dead?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_RECORD_INVALID');
    expect(dead?.headers[DLQ_HEADERS.message]?.toString()).toContain('kind "REOPENED" is not one this closeloop knows');
    expect(dead?.headers[DLQ_HEADERS.offset]?.toString()).toBe('2');
    expect(dead?.value).toEqual(records[2]?.value);

    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    expect(quarantine.values.map((v) => [v.ticketId, v.kind])).toEqual([['E-2', 'UNDOCUMENTED_CLOSURE']]);
    expect(quarantine.values[0]?.detail).toContain('MERGED_ELSEWHERE');

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    const brief = (s: TicketStatusChange) => [s.ticketId, s.version, s.lifecycleState, s.channel];
    expect(values.map(brief)).toEqual([
      ['E-1', 1, 'ROUTED', 'KIOSK'],
      ['E-2', 1, 'ROUTED', 'WEB'],
      ['E-3', 1, 'ROUTED', null],
    ]);
    expect(values.map(brief).map((b) => b.slice(0, 3))).toEqual(
      expected.statuses.map((s) => [s.ticketId, s.version, s.lifecycleState]),
    );
  }, 120_000);

  it('dead-letters records of a same-named schema whose fields closeloop cannot read, and goes on', async () => {
    const { messaging, config, processor, producer } = await started();
    // As a producer with RecordNameStrategy would: its own copy of CrmTicketEvent, under a
    // subject of its own, with the envelope's time as text. The name matches the topic's record.
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.crmEvents}.avsc`));
    const drifted = structuredClone(file.schema) as { fields: Field[] };
    const envelope = drifted.fields.find((f) => f.name === 'envelope')?.type as { fields: Field[] };
    const occurredAt = envelope.fields.find((f) => f.name === 'occurredAt');
    if (!occurredAt) throw new Error('the envelope has no occurredAt');
    occurredAt.type = 'string';
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const own = `${config.topics.crmEvents}-io.closeloop.v1.CrmTicketEvent`;
    await serde.register(own, drifted);

    const bad = crm('D-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }).event;
    const good = crm('D-2', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    await producer.send(config.topics.crmEvents, [
      {
        key: 'D-1',
        value: await serde.encode(own, { ...bad, envelope: { ...bad.envelope, occurredAt: '2024-05-01' } }),
      },
      { key: 'D-2', value: await serde.encode(subjectForTopic(config.topics.crmEvents), good.event) },
    ]);
    await awaitCount(messaging, deadLetterTopic(config.topics.crmEvents), 1, 60_000);
    await awaitCount(messaging, config.topics.status, 1, 60_000);
    await processor.stop();

    const dead = await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents));
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['D-1', 'CL_SCHEMA_MISMATCH'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.message]?.toString()).toMatch(
      /is a io\.closeloop\.v1\.CrmTicketEvent this closeloop cannot read/,
    );
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map((s) => [s.ticketId, s.lifecycleState])).toEqual([['D-2', 'ROUTED']]);
  }, 120_000);
});
