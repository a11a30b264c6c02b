import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { LifecycleProcessor, restorePartitions } from '../../../src/processor/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import { inMemoryProcessor, inMemorySetup } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

describe('a changelog record that is not a ticket state', () => {
  it('is passed over, logged and counted, and the instance restores the rest and goes on', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config } = base;
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    const producer = messaging.producer();
    const send = async (events: InboundEvent[]) => {
      const subject = subjectForTopic(config.topics.crmEvents);
      const records = [];
      for (const e of events) records.push({ key: e.event.ticketId, value: await serde.encode(subject, e.event) });
      await producer.send(config.topics.crmEvents, records);
    };
    const through = (n: number) =>
      untilAsync(`the processor through ${n} records`, async () => {
        const [read] = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
        return read?.offset === String(n);
      });
    const first = await inMemoryProcessor(cleanup, { ...base, messaging });
    await send([
      crm('C-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('C-2', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ]);
    await through(2);
    await first.processor.stop();

    // Written to the changelog by hand: bytes that are not Avro, and a CRM event (another schema).
    const other = await serde.encode(subjectForTopic(config.topics.crmEvents), crm('C-2', 'UPDATED', 2).event);
    await producer.send(config.topics.state, [
      { key: 'C-1', value: Buffer.from('{"ticketId":"C-1"}') },
      { key: 'C-2', value: other },
    ]);

    const lines: string[] = [];
    const metrics = new Metrics({ defaults: false });
    const second = new LifecycleProcessor({
      config,
      messaging,
      serde,
      logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
      schemasDir: SCHEMAS,
      clock: () => base.expected.now,
      metrics,
    });
    const assigned = second.nextAssignment();
    await second.start();
    cleanup.push(() => second.stop());
    expect(await assigned).toEqual([0]);
    // Both tickets as the processor left them: the records after their states were passed over.
    expect([...second.ticketsInState().values()].reduce((a, b) => a + b, 0)).toBe(2);
    const passed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 50);
    expect(passed.map((l) => [l['key'], l['code'], l['partition']])).toEqual([
      ['C-1', 'CL_DECODE_MALFORMED', 0],
      ['C-2', 'CL_SCHEMA_MISMATCH', 0],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_state_records_unreadable_total')).toMatch(
      /closeloop_state_records_unreadable_total\{code="CL_DECODE_MALFORMED"\} 1\n.*\{code="CL_SCHEMA_MISMATCH"\} 1/,
    );
    // And the instance decides on from the state it kept.
    await send([crm('C-1', 'UPDATED', 2, { description: 'deeper now' })]);
    await through(3);
  });

  it('fails the restore when the registry is at fault, or so many records are unreadable that it likely is', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const { serde, config } = base;
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: config.topics.state, partitions: 1 }]);
    const producer = messaging.producer();
    const restore = () => restorePartitions(messaging, admin, serde, config.topics.state, [0]);
    // A schema id the registry does not know: an emptied or replaced registry, not a bad record.
    await producer.send(config.topics.state, [{ key: 'U-1', value: Buffer.from([0, 0, 0, 3, 231, 2]) }]);
    expect(await restore().catch((e: unknown) => e)).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID' });
    // Eleven records of bytes that are not Avro, past the ten a restore passes over.
    const other = createInMemoryMessaging();
    const otherAdmin = other.admin();
    await otherAdmin.ensureTopics([{ topic: config.topics.state, partitions: 1 }]);
    await other.producer().send(
      config.topics.state,
      Array.from({ length: 11 }, (_, i) => ({ key: `G-${i}`, value: Buffer.from('not avro') })),
    );
    const err = await restorePartitions(other, otherAdmin, serde, config.topics.state, [0]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CL_SCHEMA_MISMATCH' });
    expect((err as Error).message).toContain('11 of 11 changelog records');
  });
});
