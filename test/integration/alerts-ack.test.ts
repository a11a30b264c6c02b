import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import { BRIDGE_ORIGIN, type AlertRecord } from '../../src/domain/index.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { topicSpecs } from '../../src/topics/index.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { testConfig } from '../support/processor.ts';

describe('alerts ack of an alert that is not open', () => {
  it('exits 1 with CL_ALERT_NOT_OPEN, not the usage error code', async () => {
    const { config } = await testConfig();
    const admin = testMessaging().admin();
    await admin.connect();
    await admin.ensureTopics(topicSpecs(config).filter((s) => s.topic === config.topics.alerts));
    await admin.disconnect();
    const errors: string[] = [];
    const code = await runAlerts(
      'ack',
      config,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
      { id: 'nope', by: 'ops@city' },
    );
    expect(code).toBe(1);
    expect(errors).toEqual(['closeloop: CL_ALERT_NOT_OPEN: no alert nope is open']);
  });
});

describe('alerts ack of a stuck ticket the state no longer holds', () => {
  it('reads the changelog and the processor group on the broker, and acknowledges it with its reason', async () => {
    const { config } = await testConfig();
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics(
      topicSpecs(config).filter((s) =>
        [config.topics.alerts, config.topics.state, config.topics.crmEvents].includes(s.topic),
      ),
    );
    await admin.disconnect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const subject = subjectForTopic(config.topics.alerts);
    await serde.register(subject, (await readSchemaFile('schemas/bridge.alerts.v1.avsc')).schema);
    const alertId = 'SR-9|STUCK_ROUTED|';
    const raised: AlertRecord = {
      envelope: {
        eventId: `${alertId}|1|raised`,
        jurisdiction: config.jurisdiction,
        source: 'closeloop-worker',
        sequence: null,
        occurredAt: 1,
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId,
      reason: 'STUCK_ROUTED',
      status: 'RAISED',
      ticketId: 'SR-9',
      connector: null,
      department: 'housing',
      accountable: 'owner of housing',
      since: 1,
      detail: 'ROUTED for 16 min (limit 15 min)',
    };
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(config.topics.alerts, [{ key: alertId, value: await serde.encode(subject, raised) }]);
    await producer.disconnect();
    const out: string[] = [];
    const errors: string[] = [];
    const run = (reason?: string) =>
      runAlerts(
        'ack',
        config,
        createLogger({ level: 'silent' }),
        (l) => out.push(l),
        (l) => errors.push(l),
        {
          id: alertId,
          by: 'ops@city',
          ...(reason === undefined ? {} : { reason }),
        },
      );
    expect(await run()).toBe(2);
    expect(errors).toEqual([expect.stringMatching(/needs --reason/)]);
    expect(await run('partition started empty')).toBe(0);
    expect(out).toEqual([`acknowledged ${alertId} by ops@city`]);
  }, 60_000);
});
