import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, subjectForTopic } from '../../../src/messaging/index.ts';
import { DLQ_HEADERS } from '../../../src/processor/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
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

describe('a ticket state that cannot be written', () => {
  it('dead-letters the record that made it, and the rest of the batch commits', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config, expected } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });

    // The state's subject now holds a version whose description can only be null (the loopback
    // registry calls every version compatible): a ticket with a description has a state no
    // record of it can carry, though its status and commands are written as ever.
    const narrow = await schemaWith('description', 'null', CANONICAL.state);
    await serde.register(subjectForTopic(config.topics.state), narrow);

    const events: InboundEvent[] = [
      crm('W-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('W-2', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'a hole by the school' }),
      crm('W-3', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ];
    // One batch: the three records go into one transaction.
    await sendCrm(messaging, serde, config, events);
    await untilCrmRead(messaging, config, 3);
    const held = processor.ticketsInState();
    await processor.stop();

    const dead = await deadLettersOf(messaging, config.topics.crmEvents);
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['W-2', 'CL_ENCODE_INVALID'],
    ]);
    expected.send(events[0] as InboundEvent);
    expected.send(events[2] as InboundEvent);
    expect(await statusBriefs(messaging, serde, config)).toEqual(expected.statuses.map(statusBrief));
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(2);
  });
});
