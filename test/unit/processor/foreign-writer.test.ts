import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { AvroSerde, createInMemoryMessaging, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { DLQ_HEADERS } from '../../../src/processor/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import {
  schemaWith,
  deadLettersOf,
  inMemoryProcessor,
  inMemorySetup,
  sendCrm,
  statusBrief,
  statusBriefs,
  untilCrmRead,
} from '../../support/in-memory-processor.ts';

const cleanup = cleanupAfter('each');

describe("a record whose writer's schema Avro resolves but whose values closeloop cannot hold", () => {
  it('is dead-lettered as CL_SCHEMA_MISMATCH naming the field, and the partition goes on', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config, expected } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });

    // A city's producer registered its own version of the record with description as bytes:
    // Avro resolves bytes to string, but read with the writer's schema the value is a Buffer,
    // which the state built from it could never be encoded with. The city's producer has a
    // serde of its own: one that registers a schema reads with it.
    const city = new AvroSerde({ url: config.schemaRegistry.url });
    await city.register(subjectForTopic(config.topics.crmEvents), await schemaWith('description', ['null', 'bytes']));

    const events: InboundEvent[] = [
      crm('F-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('F-1', 'UPDATED', 2, { description: Buffer.from('a deep hole, call 555-0100') as never }),
      crm('F-2', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    const records = await sendCrm(messaging, city, config, events);
    await untilCrmRead(messaging, config, 3);
    await processor.stop();

    const dead = await deadLettersOf(messaging, config.topics.crmEvents);
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['F-1', 'CL_SCHEMA_MISMATCH'],
    ]);
    const message = dead[0]?.headers[DLQ_HEADERS.message]?.toString() ?? '';
    expect(message).toContain('description is bytes, not null or string');
    // The kind of value, never the value: a description may hold a citizen's contact data.
    expect(message).not.toContain('555-0100');
    expect(dead[0]?.value).toEqual(records[1]?.value);

    expected.send(events[0] as InboundEvent);
    expected.send(events[2] as InboundEvent);
    expect(await statusBriefs(messaging, serde, config)).toEqual(expected.statuses.map(statusBrief));
  });

  it('refuses a key that is not UTF-8, which would pass for its ticket id decoded, as CL_RECORD_INVALID', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });
    const subject = subjectForTopic(config.topics.crmEvents);
    // A Latin-1 producer: "T0ÿ" as one byte 0xFF, which UTF-8 decoding makes U+FFFD.
    const latin1 = crm('T0\uFFFD', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const fine = crm('T0\uFFFD', 'OPENED', 1, { serviceCode: 'POTHOLE' }, { eventId: 'utf-8-one' });
    await messaging.producer().send(config.topics.crmEvents, [
      { key: Buffer.from([0x54, 0x30, 0xff]), value: await serde.encode(subject, latin1.event) },
      // The same ticket id with its key as UTF-8 (U+FFFD is a character like any other) is taken.
      { key: 'T0\uFFFD', value: await serde.encode(subject, fine.event) },
    ]);
    await untilCrmRead(messaging, config, 2);
    const held = processor.ticketsInState();
    await processor.stop();
    const dead = await deadLettersOf(messaging, config.topics.crmEvents);
    expect(dead.map((r) => [r.key, r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      [Buffer.from([0x54, 0x30, 0xff]), 'CL_RECORD_INVALID'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.message]?.toString()).toContain('record key is not valid UTF-8');
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("refuses a key that is the caller's phone or e-mail, naming it redacted in the dead letter's message and the log", async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config } = base;
    const messaging = createInMemoryMessaging();
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging, logger });
    const subject = subjectForTopic(config.topics.crmEvents);
    // A CRM producer that keys a request's events by its caller's contact (found by the input property tests).
    const keys = ['jane.doe@example.org', '613-555-0100'];
    await messaging.producer().send(
      config.topics.crmEvents,
      await Promise.all(
        keys.map(async (key, i) => ({
          key,
          value: await serde.encode(subject, crm(`C-${i}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }).event),
        })),
      ),
    );
    await untilCrmRead(messaging, config, 2);
    await processor.stop();
    const dead = await deadLettersOf(messaging, config.topics.crmEvents);
    // The key itself is kept as sent, to be replayed; what is written about it names it redacted.
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      [keys[0], 'CL_RECORD_INVALID'],
      [keys[1], 'CL_RECORD_INVALID'],
    ]);
    expect(dead.map((r) => r.headers[DLQ_HEADERS.message]?.toString())).toEqual([
      'record key "[redacted]" is not its ticketId "C-0"',
      'record key "[redacted]" is not its ticketId "C-1"',
    ]);
    expect(lines.filter((l) => l.includes('dead-lettered'))).toHaveLength(2);
    for (const line of lines) for (const key of keys) expect(line).not.toContain(key);
  });
});
