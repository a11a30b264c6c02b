import { describe, expect, it } from 'vitest';
import { crmRest } from '../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { DLQ_HEADERS, AvroSerde, deadLetterTopic, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { SinkRunner } from '../../src/runtime/index.ts';
import { RECORD_NAMES } from '../../src/topics/index.ts';
import { parseConnectorConfig, type TicketStatusChange } from '../../src/sdk/index.ts';
import { Bridge, crm, dept, testPolicy } from '../support/domain.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { until } from '../support/wait.ts';
import { readCommittedRaw } from '../support/processor.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('sink runner with the CRM connector and simulator', () => {
  it('rides out a CRM outage without dead letters, gaps or reordering, and dead-letters poison', async () => {
    const messaging = testMessaging();
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const topic = uniqueName('it.sink.bridge.ticket-status.v1');
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([
      { topic, partitions: 3 },
      { topic: deadLetterTopic(topic), partitions: 3 },
    ]);
    await admin.disconnect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = subjectForTopic(topic);
    await serde.register(subject, (await readSchemaFile('schemas/bridge.ticket-status.v1.avsc')).schema);

    // Real statuses for real CRM tickets, from the domain.
    const bridge = new Bridge(await testPolicy());
    const ids = Array.from({ length: 12 }, () => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const [i, code] of ['APPR', 'WSCH', 'INPRG', 'COMP'].entries()) {
      for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', code, i + 2, { department: 'transportation' }));
    }
    const statuses = bridge.statuses;
    const half = Math.floor(statuses.length / 2);
    const producer = messaging.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const send = async (list: readonly TicketStatusChange[]) => {
      for (const s of list) await producer.send(topic, [{ key: s.ticketId, value: await serde.encode(subject, s) }]);
    };

    const config = parseConnectorConfig('crm-rest', crmRestConfig, {
      baseUrl: url,
      jurisdiction: 'testville',
      timeoutMs: 1_000,
    });
    const logger = createLogger({ level: 'silent' });
    const sink = crmRest.sink?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
    if (!sink) throw new Error('no sink');
    const runner = new SinkRunner({
      connector: 'crm-rest',
      topic,
      recordName: RECORD_NAMES.status,
      groupId: uniqueName('it.sink-group'),
      sink,
      messaging,
      serde,
      logger,
      retry: { retries: 2, minTimeoutMs: 20, maxTimeoutMs: 50 },
      probeIntervalMs: 200,
    });
    await runner.start();
    cleanup.push(() => runner.stop());

    await send(statuses.slice(0, half));
    await until('the first half', () => sim.applied.length === half);

    // A 3-second outage while the second half streams in.
    const now = Date.now();
    sim.server.setFaults({ outages: [{ from: now, until: now + 3_000 }] });
    await send(statuses.slice(half));
    await until('the outage to pause the runner', () => runner.status().pausedBy === 'unavailable');
    await until('every status', () => sim.applied.length === statuses.length, 60_000);
    expect(runner.status().retries).toBeGreaterThan(0);

    for (const id of ids) {
      const versions = sim.applied.filter((a) => a.ticketId === id).map((a) => a.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    expect(sim.applied.filter((a) => a.status === 'closed')).toHaveLength(ids.length);

    // Poison: bytes that are not Avro, a status for a ticket the CRM does not have, and a valid
    // work-order command (another topic's schema) written to the status topic.
    const ghost = new Bridge(await testPolicy());
    ghost.send(crm('SR-999999', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await producer.send(topic, [{ key: ids[0] ?? 'x', value: Buffer.from('garbage') }]);
    await send(ghost.statuses);
    const commandSubject = subjectForTopic(uniqueName('it.sink.bridge.work-order-commands.v1'));
    await serde.register(commandSubject, (await readSchemaFile('schemas/bridge.work-order-commands.v1.avsc')).schema);
    const command = bridge.commands[0];
    if (!command) throw new Error('scenario produced no command');
    await producer.send(topic, [{ key: command.ticketId, value: await serde.encode(commandSubject, command) }]);
    await until('three dead letters', () => runner.status().deadLettered === 3);
    const dead = await readCommittedRaw(messaging, deadLetterTopic(topic));
    expect(dead.map((r) => r.headers[DLQ_HEADERS.code]?.toString()).sort()).toEqual([
      'CL_CONNECTOR_REJECTED',
      'CL_DECODE_MALFORMED',
      'CL_SCHEMA_MISMATCH',
    ]);
    expect(dead.every((r) => r.headers[DLQ_HEADERS.connector]?.toString() === 'crm-rest')).toBe(true);
    expect(runner.status().delivered).toBe(statuses.length);
  }, 120_000);
});
