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

describe('a ticket state that cannot be written', () => {
  it('dead-letters the record that made it, and the rest of the batch commits', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config, expected } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });

    // The state's subject now holds a version whose description can only be null (the loopback
    // registry calls every version compatible): a ticket with a description has a state no
    // record of it can carry, though its status and commands are written as ever.
    const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.state}.avsc`));
    const narrow = structuredClone(file.schema) as { fields: { name: string; type: unknown }[] };
    const description = narrow.fields.find((f) => f.name === 'description');
    if (!description) throw new Error('no description field');
    description.type = 'null';
    await serde.register(subjectForTopic(config.topics.state), narrow);

    const events: InboundEvent[] = [
      crm('W-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('W-2', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'a hole by the school' }),
      crm('W-3', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    const subject = subjectForTopic(config.topics.crmEvents);
    const records = [];
    for (const e of events) records.push({ key: e.event.ticketId, value: await serde.encode(subject, e.event) });
    // One batch: the three records go into one transaction.
    await messaging.producer().send(config.topics.crmEvents, records);
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
      ['W-2', 'CL_ENCODE_INVALID'],
    ]);
    const statuses: TicketStatusChange[] = [];
    await readToEnd(messaging, admin, config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    expected.send(events[0] as InboundEvent);
    expected.send(events[2] as InboundEvent);
    const brief = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;
    expect(statuses.map(brief)).toEqual(expected.statuses.map(brief));
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(2);
  });
});
