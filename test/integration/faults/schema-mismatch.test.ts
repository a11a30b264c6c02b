import { afterAll, describe, expect, it } from 'vitest';
import type { TicketStatusChange, Violation } from '../../../src/domain/index.ts';
import { AvroSerde, DLQ_HEADERS, deadLetterTopic, subjectForTopic } from '../../../src/messaging/index.ts';
import type { LifecycleProcessor } from '../../../src/processor/index.ts';
import { Bridge, crm, dept } from '../../support/domain.ts';
import { recordFault, statusTally } from '../../support/fault-report.ts';
import { consumeUntil, endpoints, testMessaging } from '../../support/kafka.ts';
import { readCommitted, readCommittedRaw, step, testConfig, testProcessor } from '../../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

describe("fault path 10: a record of another topic's schema", () => {
  it('dead-letters a WorkOrderEvent written to the CRM topic as CL_SCHEMA_MISMATCH; nothing is quarantined', async () => {
    const { config } = await testConfig(3);
    const expected = new Bridge(config.policy);
    const processor = testProcessor(config, messaging);
    running.push(processor);
    await processor.start();
    await step(config, messaging, expected, [crm('S1', 'OPENED', 1, { serviceCode: 'POTHOLE' })]);

    // A department event, valid Avro of its own topic's schema, produced to the CRM topic.
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const stray = dept('S1', 'S1#1', 'maximo', 'APPR', 2, { department: 'transportation' });
    const value = await serde.encode(subjectForTopic(config.topics.deptEvents), {
      departmentRef: null,
      ...stray.event,
    });
    const producer = messaging.producer();
    await producer.connect();
    const sentAt = Date.now();
    await producer.send(config.topics.crmEvents, [{ key: 'S1', value }]);
    await producer.disconnect();
    const dlqTopic = deadLetterTopic(config.topics.crmEvents);
    await consumeUntil(messaging, dlqTopic, 1, 60_000);
    const detectedAfterMs = Date.now() - sentAt;

    // The ticket goes on as if the stray record had never been written.
    await step(config, messaging, expected, [
      dept('S1', 'S1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      dept('S1', 'S1#1', 'maximo', 'COMP', 3, { department: 'transportation' }),
    ]);
    await processor.stop();
    running.splice(running.indexOf(processor), 1);

    const dead = await readCommittedRaw(messaging, dlqTopic);
    expect(dead.map((r) => [r.key?.toString(), r.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['S1', 'CL_SCHEMA_MISMATCH'],
    ]);
    expect(dead[0]?.headers[DLQ_HEADERS.stage]?.toString()).toBe('decode');
    expect(dead[0]?.headers[DLQ_HEADERS.message]?.toString()).toContain(
      'written as io.closeloop.v1.WorkOrderEvent, not io.closeloop.v1.CrmTicketEvent',
    );
    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    expect(quarantine.values).toEqual([]);
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.at(-1)).toMatchObject({ ticketId: 'S1', crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' });
    const tally = statusTally(values);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    recordFault({ path: "10 another topic's schema", detectedAfterMs, recovered: true, ...tally });
  }, 180_000);
});
