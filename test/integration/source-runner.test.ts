import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { CrmTicketEvent } from '../../src/sdk/index.ts';
import { crmSourceRunner } from '../support/crm-source.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { until } from '../support/wait.ts';
import { awaitCount, readCommitted } from '../support/processor.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('source runner with the CRM connector and simulator', () => {
  it('publishes every change once across a restart and an outage', async () => {
    const messaging = testMessaging();
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const topic = uniqueName('it.source.crm.ticket-events.v1');
    const cursorTopic = uniqueName('it.cursors');
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    await admin.disconnect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    await serde.register(subjectForTopic(topic), (await readSchemaFile('schemas/crm.ticket-events.v1.avsc')).schema);

    const logger = createLogger({ level: 'silent' });
    const runner = () =>
      crmSourceRunner(
        url,
        {
          cursorTopic,
          topic,
          messaging,
          serde,
          logger,
          pollIntervalMs: 100,
          probeIntervalMs: 100,
          retry: { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 20 },
        },
        { pageSize: 2, timeoutMs: 1_000 },
      );

    const first = sim.createTicket({
      serviceCode: 'SR-POTHOLE',
      contact: { name: 'Ada', email: 'ada@example.org', phone: null },
    });
    for (let i = 0; i < 4; i += 1) sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    const one = runner();
    await one.start();
    await awaitCount(messaging, topic, 5);
    await one.stop();
    expect(one.status().cursor).toBe('5');

    sim.declareDuplicate('SR-000002', first.id);
    sim.cancel('SR-000003', 'CANCELLED_BY_REQUESTOR', 'Resident withdrew it.');
    const two = runner();
    await two.start();
    cleanup.push(() => two.stop());
    await awaitCount(messaging, topic, 7);

    // An outage: the runner pauses, then carries on from the same cursor.
    const now = Date.now();
    sim.server.setFaults({ outages: [{ from: now, until: now + 1_500 }] });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    await until('the outage to pause the source', () => two.status().pausedBy === 'unavailable');
    await awaitCount(messaging, topic, 8);
    await two.stop();

    const { values } = await readCommitted<CrmTicketEvent>(messaging, topic);
    const seqs = values.map((v) => v.envelope.sequence).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(values.map((v) => v.envelope.eventId)).size).toBe(8);
    expect(values.find((v) => v.kind === 'CANCELLED')).toMatchObject({
      ticketId: 'SR-000003',
      closureReason: 'CANCELLED_BY_REQUESTOR',
    });
    expect(JSON.stringify(values)).not.toContain('ada@example.org');
  }, 120_000);

  // The broker's answer to a producer whose id a newer one took (PRODUCER_FENCED or
  // INVALID_PRODUCER_EPOCH, by version) must read as fenced: as a Kafka outage the runner claimed
  // the id straight back, and two workers running one source took it from each other every second.
  it('a second runner of one source fences the first, which stands aside as fenced, not as a Kafka outage', async () => {
    const messaging = testMessaging();
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const topic = uniqueName('it.source.crm.ticket-events.v1');
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    await admin.disconnect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    await serde.register(subjectForTopic(topic), (await readSchemaFile('schemas/crm.ticket-events.v1.avsc')).schema);
    const logger = createLogger({ level: 'silent' });
    const cursorTopic = uniqueName('it.cursors');
    const runner = () => {
      const r = crmSourceRunner(url, {
        ...{ cursorTopic, topic, messaging, serde, logger },
        ...{ pollIntervalMs: 50, probeIntervalMs: 100, fencedRetryMs: 120_000 },
      });
      cleanup.push(() => r.stop());
      return r;
    };

    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    const one = runner();
    await one.start();
    await awaitCount(messaging, topic, 1);
    const two = runner();
    await two.start();
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the first runner fenced', () => one.status().pausedBy === 'fenced', 30_000);
    expect(one.status().pauseDetail).toContain(`transactional id ${cursorTopic}/crm-rest:testville`);
    await awaitCount(messaging, topic, 2);
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await awaitCount(messaging, topic, 3);
    expect(two.status()).toMatchObject({ pausedBy: null, published: 2 });
    expect(one.status()).toMatchObject({ pausedBy: 'fenced', published: 1 });
    const { values } = await readCommitted<CrmTicketEvent>(messaging, topic);
    expect(values.map((v) => v.envelope.sequence).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3]);
  }, 120_000);
});
