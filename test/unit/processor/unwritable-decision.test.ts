import { describe, expect, it } from 'vitest';
import type { InboundEvent, TicketStatusChange } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { DLQ_HEADERS } from '../../../src/processor/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import {
  deadLettersOf,
  inMemoryProcessor,
  inMemorySetup,
  shippedSchema,
  sendCrm,
  statusBrief,
  statusBriefs,
  untilCrmRead,
} from '../../support/in-memory-processor.ts';

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
    const shipped = await shippedSchema(CANONICAL.crmEvents);
    const reason = shipped.fields.find((f) => f.name === 'closureReason')?.type as [string, { symbols: string[] }];
    reason[1].symbols.push('MERGED_ELSEWHERE');
    await serde.register(subjectForTopic(config.topics.crmEvents), shipped);

    const imported = { origin: 'import' };
    const events: InboundEvent[] = [
      crm('H-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }, imported),
      crm('H-1', 'CANCELLED', 2, { closureReason: 'MERGED_ELSEWHERE' as never }, imported),
      crm('H-2', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    const records = await sendCrm(messaging, serde, config, events);
    await untilCrmRead(messaging, config, 3);
    const held = processor.ticketsInState();
    await processor.stop();

    const dead = await deadLettersOf(messaging, config.topics.crmEvents);
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['H-1', 'CL_ENCODE_INVALID'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.offset]?.toString()).toBe('1');
    expect(dead[0]?.value).toEqual(records[1]?.value);

    // H-1 as its first event left it (open, imported), none of the closure; H-2 decided after.
    expected.send(events[0] as InboundEvent);
    expected.send(events[2] as InboundEvent);
    expect(await statusBriefs(messaging, serde, config)).toEqual(expected.statuses.map(statusBrief));
    const statuses: TicketStatusChange[] = [];
    await readToEnd(messaging, messaging.admin(), config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    expect(statuses.every((s) => s.closureReason === null)).toBe(true);
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(2);
  });
});
