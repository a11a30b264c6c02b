import { describe, expect, it } from 'vitest';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../src/processor/index.ts';
import { partitionFor } from '../../src/messaging/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { crm } from '../support/domain.ts';
import { awaitCount, feed, readCommitted, readCommittedRaw, startedProcessor } from '../support/processor.ts';

const cleanup = cleanupAfter('all');

/** Below the broker's default message.max.bytes (1,048,588 for a batch), above it with the dead letter's headers. */
const NEAR_LIMIT = 1_048_400;

describe('records the broker took that cannot be written on as they are', () => {
  it('dead-letters them without their value, saying how long it was, and the partitions go on', async () => {
    const { messaging, config, processor, producer } = await startedProcessor(cleanup, 2);
    const garbage = Buffer.alloc(NEAR_LIMIT, 0x61);
    const home = partitionFor('BIG-1', 2);
    // One on its key's partition (not Avro), one on the other (to be forwarded, but too large
    // to carry the source headers), each followed by a good event on the same partition.
    await producer.send(config.topics.crmEvents, [{ key: 'BIG-1', value: garbage, partition: home }]);
    await producer.send(config.topics.crmEvents, [{ key: 'BIG-1', value: garbage, partition: 1 - home }]);
    // Two good tickets on each partition.
    const ids = Array.from({ length: 40 }, (_, i) => `OK-${i}`);
    const on = (p: number) => ids.filter((id) => partitionFor(id, 2) === p).slice(0, 2);
    const good = [...on(0), ...on(1)].map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(good).toHaveLength(4);
    await feed(config, messaging, good);

    await awaitCount(messaging, deadLetterTopic(config.topics.crmEvents), 2, 60_000);
    await awaitCount(messaging, config.topics.status, good.length, 60_000);
    await processor.stop();

    const dead = await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents));
    const summary = dead
      .map((r) => [
        r.partition,
        r.headers[DLQ_HEADERS.code]?.toString(),
        r.headers[DLQ_HEADERS.valueDropped]?.toString(),
        r.value,
      ])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    const expectedDead = [
      [home, 'CL_DECODE_MALFORMED', String(NEAR_LIMIT), null],
      [1 - home, 'CL_RECORD_TOO_LARGE', String(NEAR_LIMIT), null],
    ].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(summary).toEqual(expectedDead);
    for (const r of dead) expect(r.headers[DLQ_HEADERS.offset]?.toString()).toBe('0');
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map((s) => s.ticketId).sort()).toEqual(good.map((e) => e.event.ticketId).sort());
  }, 120_000);
});
