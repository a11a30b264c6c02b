import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { AvroSerde, deadLetterTopic, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { listDeadLetters, REPLAY_HEADER, replayDeadLetters } from '../../src/ops/index.ts';
import { SinkRunner } from '../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../src/sdk/index.ts';
import { Bridge, crm, dept, testPolicy } from '../support/domain.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { readCommittedRaw, step, testConfig, testProcessor } from '../support/processor.ts';
import { until } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('dead letters: list, replay after a fix, audit', () => {
  it('replays a refused status once the CRM knows the ticket, in the original order, exactly once', async () => {
    const messaging = testMessaging();
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const topic = uniqueName('it.dlq.bridge.ticket-status.v1');
    const dlq = deadLetterTopic(topic);
    const audit = uniqueName('it.dlq.audit');
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.ensureTopics([{ topic }, { topic: dlq }]);
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = subjectForTopic(topic);
    await serde.register(subject, (await readSchemaFile('schemas/bridge.ticket-status.v1.avsc')).schema);

    // Statuses for SR-000002, which the CRM does not have yet: refused (404), dead-lettered.
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-000002', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('SR-000002', 'SR-000002#1', 'maximo', 'INPRG', 2));
    const producer = messaging.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    for (const s of bridge.statuses)
      await producer.send(topic, [{ key: s.ticketId, value: await serde.encode(subject, s) }]);

    const logger = createLogger({ level: 'silent' });
    const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
    const sink = crmRest.sink?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
    if (!sink) throw new Error('no sink');
    const runner = new SinkRunner({
      connector: 'crm-rest',
      topic,
      groupId: uniqueName('it.dlq-sink'),
      sink,
      messaging,
      serde,
      logger,
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('two dead letters', () => runner.status().deadLettered === 2);

    const dead = await listDeadLetters(messaging, admin, { ticket: 'SR-000002', code: 'CL_CONNECTOR_REJECTED' }, [dlq]);
    expect(dead.map((d) => [d.originalTopic, d.connector, d.replayable])).toEqual([
      [topic, 'crm-rest', true],
      [topic, 'crm-rest', true],
    ]);
    expect(await listDeadLetters(messaging, admin, { code: 'CL_DECODE_MALFORMED' }, [dlq])).toEqual([]);

    // The fix: the CRM now has the ticket.
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const scope = {
      deadLetterTopics: [dlq],
      audit: { topic: audit, partitions: 1 },
      transactionalId: uniqueName('it.dlq-replay'),
    };
    const replay = await replayDeadLetters(messaging, admin, { ticket: 'SR-000002' }, 'operator@city', scope);
    expect(replay.deadLetters).toEqual(dead.map((d) => d.id));
    await until('the replayed statuses', () => sim.applied.filter((a) => a.ticketId === 'SR-000002').length === 2);
    expect(sim.applied.filter((a) => a.ticketId === 'SR-000002').map((a) => a.version)).toEqual([1, 2]);

    const again = await replayDeadLetters(messaging, admin, { ticket: 'SR-000002' }, 'operator@city', scope);
    expect(again.deadLetters).toEqual([]);
    const records = await readCommittedRaw(messaging, audit);
    expect(records.map((r) => JSON.parse(r.value?.toString() ?? '{}').by)).toEqual(['operator@city', 'operator@city']);
    const replayed = (await readCommittedRaw(messaging, topic)).filter((r) => r.headers[REPLAY_HEADER]);
    expect(replayed.map((r) => r.headers[REPLAY_HEADER]?.toString())).toEqual(dead.map((d) => d.id));
  }, 120_000);

  it('lists dead letters and quarantine records from the command line', async () => {
    const { config, file } = await testConfig(2);
    const messaging = testMessaging();
    const processor = testProcessor(config, messaging);
    await processor.start();
    cleanup.push(() => processor.stop());
    const expected = new Bridge(config.policy);
    await step(config, messaging, expected, [crm('Q1', 'OPENED', 1, { serviceCode: 'GRASS' })]);
    await step(config, messaging, expected, [dept('Q1', 'Q1#1', 'posse', 'NOPE', 2, { department: 'housing' })]);
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(config.topics.crmEvents, [{ key: 'Q9', value: Buffer.from('garbage') }]);
    await producer.disconnect();
    const cli = promisify(execFile);
    const run = (...args: string[]) =>
      cli(process.execPath, ['src/cli/main.ts', ...args, '--config', file], {
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
    // The processor commits the dead letter with its batch; poll the CLI until it shows.
    let out = '';
    for (let i = 0; i < 40 && !out.includes('1 dead letter'); i += 1) {
      out = (await run('dlq', 'list', '--topic', config.topics.crmEvents)).stdout;
    }
    expect(out).toContain('CL_DECODE_MALFORMED');
    expect(out).toContain('1 dead letter(s)');
    const q = (await run('quarantine', 'list', '--kind', 'UNMAPPED_CODE')).stdout;
    expect(q).toContain('UNMAPPED_CODE  Q1  housing  NOPE');
    expect(q).toContain('1 quarantine record(s)');
  }, 120_000);
});
