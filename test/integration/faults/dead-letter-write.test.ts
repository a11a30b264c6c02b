import { describe, expect, it } from 'vitest';
import { AvroSerde, DLQ_HEADERS, deadLetterTopic, subjectForTopic } from '../../../src/messaging/index.ts';
import { bridgeRun, crmHistoryProblems, crmTally } from '../../support/bridge-run.ts';
import { crm } from '../../support/domain.ts';
import { recordFault } from '../../support/fault-report.ts';
import { alarmed, detectedAfter, openTickets, readiness, startFaultWorker } from '../../support/fault-worker.ts';
import { endpoints, testMessaging } from '../../support/kafka.ts';
import { readCommittedRaw } from '../../support/processor.ts';
import { until, untilAsync, within } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const PUT_STATUS = 'PUT /api/v1/tickets/:id/status';

describe('fault: the CRM sink cannot write a dead letter', () => {
  it('holds the refused record with an alarm instead of re-delivering the batch, and dead-letters it once the topic is back', async () => {
    const messaging = testMessaging();
    // Every step is bounded and named: this test once hung in CI until its time-out, which said
    // nothing of which step it was in.
    const run = await within('starting the simulators and topics', 60_000, bridgeRun());
    cleanup.push(() => run.stop());
    const fw = await within('starting the worker', 60_000, startFaultWorker(run.config));
    cleanup.push(() => fw.stop());
    const dlq = deadLetterTopic(run.config.topics.status);
    // Auto-create is off on the broker, so a missing topic makes every write to it fail.
    const admin = messaging.admin();
    await within('connecting the admin client', 30_000, admin.connect());
    cleanup.push(() => admin.disconnect());
    // deleteTopics resolves once the broker no longer lists the topic (the port's promise).
    if ((await within('listing topics', 30_000, admin.listTopics())).includes(dlq)) {
      await within('deleting the dead-letter topic', 30_000, admin.deleteTopics([dlq]));
    }

    openTickets(run, 8);
    run.work();
    await until('the first updates', () => run.crm.applied.length >= 4, 60_000);

    // A ticket the CRM does not know: its status is refused (404), a data error to dead-letter.
    const since = Date.now();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const topic = run.config.topics.crmEvents;
    const ghost = crm('SR-GHOST1', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    const producer = messaging.producer();
    await within('connecting the producer', 30_000, producer.connect());
    cleanup.push(() => producer.disconnect());
    const value = await within('encoding the ghost ticket', 30_000, serde.encode(subjectForTopic(topic), ghost.event));
    await within('producing the ghost ticket', 30_000, producer.send(topic, [{ key: 'SR-GHOST1', value }]));

    const detected = await detectedAfter('dead-letter write', since, () =>
      alarmed(
        fw.url,
        'crm-rest sink paused: dead-letter',
        'closeloop_paused{runner="crm-rest-sink",reason="dead-letter"}',
      ),
    );
    expect(fw.logs.some((l) => l['code'] === 'CL_DEAD_LETTER_FAILED' && l['level'] === 50)).toBe(true);
    openTickets(run, 4);

    await within(
      'creating the dead-letter topic again',
      30_000,
      admin.ensureTopics([{ topic: dlq, partitions: run.config.processor.partitions }]),
    );
    // The pause ends once the topic is back. What still holds readiness is the ghost ticket's
    // refused status, alerted as every dead-lettered status is (the CRM does not show it), and
    // nothing else.
    const ghostOnly = (reasons: readonly string[]) =>
      reasons.length > 0 &&
      reasons.every((r) =>
        r.startsWith('crm-rest sink delivery exhausted: ticket SR-GHOST1, v1: refused by the system'),
      );
    await untilAsync('the pause over', async () => ghostOnly((await readiness(fw.url)).reasons), 60_000);
    const recovered = await until('every ticket closed and all work done', () => run.done(), 120_000).then(
      () => true,
      () => false,
    );
    const { lost, duplicated } = crmTally(run.crm);
    recordFault({ path: '1b dead-letter write fails', detectedAfterMs: detected, recovered, lost, duplicated });
    expect(recovered).toBe(true);
    expect(crmHistoryProblems(run.crm)).toEqual([]);

    const letters = await within('reading the dead letters', 60_000, readCommittedRaw(messaging, dlq));
    expect(letters).toHaveLength(1);
    expect(letters[0]?.key?.toString()).toBe('SR-GHOST1');
    expect(letters[0]?.headers[DLQ_HEADERS.code]?.toString()).toBe('CL_CONNECTOR_REJECTED');
    expect(letters[0]?.headers[DLQ_HEADERS.topic]?.toString()).toBe(run.config.topics.status);
    // Every PUT was either applied or the one refused: nothing delivered was delivered again.
    const sink = fw.worker.status().sinks['crm-rest'];
    expect(sink?.deadLettered).toBe(1);
    expect(run.crm.server.calls.get(PUT_STATUS)).toBe(run.crm.applied.length + 1);
  }, 300_000);
});
