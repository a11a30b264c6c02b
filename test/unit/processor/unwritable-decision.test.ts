import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InboundEvent, TicketStatusChange } from '../../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/processor/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import { inMemoryProcessor, inMemorySetup } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

describe('a decision whose outputs cannot be written', () => {
  it('dead-letters its input record, takes back its state and outputs, and the partition goes on', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config, expected } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });

    // A history import's closure whose reason a newer CRM schema added: it reaches the domain
    // (an imported closure takes the reason as the export gives it) and the status it makes
    // cannot be written with the status schema, whose reasons are the shipped ones.
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.crmEvents}.avsc`));
    const newer = structuredClone(file.schema) as { fields: { name: string; type: unknown }[] };
    const reason = newer.fields.find((f) => f.name === 'closureReason')?.type as [string, { symbols: string[] }];
    reason[1].symbols.push('MERGED_ELSEWHERE');
    const subject = subjectForTopic(config.topics.crmEvents);
    await serde.register(subject, newer);

    const imported = { origin: 'import' };
    const events: InboundEvent[] = [
      crm('H-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }, imported),
      crm('H-1', 'CANCELLED', 2, { closureReason: 'MERGED_ELSEWHERE' as never }, imported),
      crm('H-2', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    const producer = messaging.producer();
    const records = [];
    for (const e of events) records.push({ key: e.event.ticketId, value: await serde.encode(subject, e.event) });
    await producer.send(config.topics.crmEvents, records);
    const admin = messaging.admin();
    await untilAsync('the processor through the three records', async () => {
      const [read] = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
      return read?.offset === '3';
    });
    const held = processor.ticketsInState();
    await processor.stop();

    const dead: IncomingRecord[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(config.topics.crmEvents), 'all', async (r) => void dead.push(r));
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['H-1', 'CL_ENCODE_INVALID'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.offset]?.toString()).toBe('1');
    expect(dead[0]?.value).toEqual(records[1]?.value);

    // H-1 as its first event left it (open, imported), none of the closure; H-2 decided after.
    const statuses: TicketStatusChange[] = [];
    await readToEnd(messaging, admin, config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    expected.send(events[0] as InboundEvent);
    expected.send(events[2] as InboundEvent);
    const brief = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;
    expect(statuses.map(brief)).toEqual(expected.statuses.map(brief));
    expect(statuses.every((s) => s.closureReason === null)).toBe(true);
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(2);
  });
});
