import { describe, expect, it } from 'vitest';
import { acknowledge } from '../../../src/cli/alerts-command.ts';
import {
  BRIDGE_ORIGIN,
  decide,
  type AlertRecord,
  type AlertReason,
  type TicketState,
} from '../../../src/domain/index.ts';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { openAlerts } from '../../../src/ops/index.ts';
import { stateToRecord } from '../../../src/processor/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { testConfig } from '../../support/processor.ts';

const cleanup = cleanupAfter('each');

const alert = (alertId: string, reason: AlertReason, o: { ticketId?: string; connector?: string }): AlertRecord => ({
  envelope: {
    eventId: `${alertId}|1|raised`,
    jurisdiction: 'testville',
    source: 'closeloop-worker',
    sequence: null,
    occurredAt: 1,
    origin: BRIDGE_ORIGIN,
    correlationId: null,
  },
  alertId,
  reason,
  status: 'RAISED',
  ticketId: o.ticketId ?? null,
  connector: o.connector ?? null,
  department: 'housing',
  accountable: 'owner of housing',
  since: 1,
  detail: 'as raised',
});

/** `lostInput`: the processor's group has read this much of the CRM topic's partition 0, as a lost changelog's partition shows. */
async function setUp(o: { state?: boolean; lostInput?: string; source?: false } = {}) {
  const { serde, url } = await startLoopback(cleanup);
  const loaded = await testConfig(1, 30, {
    brokers: 'in-memory:9092',
    registryUrl: url,
    connectors: [{ name: 'posse', config: {} }],
  });
  const config = {
    ...loaded.config,
    connectors: loaded.config.connectors.map((c) => ({ ...c, source: o.source ?? c.source })),
  };
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const messaging = createInMemoryMessaging({ rewindDelayMs: 5, logger });
  const real = messaging.admin();
  const admin = new Proxy(real, {
    get: (target, key) => {
      if (key === 'groupOffsets' && o.lostInput !== undefined)
        return async (groupId: string, topic: string) =>
          groupId === config.processor.groupId && topic === config.topics.crmEvents
            ? [{ partition: 0, offset: o.lostInput }]
            : [{ partition: 0, offset: '-1' }];
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  await admin.ensureTopics(
    [config.topics.alerts, config.topics.state, config.topics.crmEvents].map((topic) => ({ topic })),
  );
  for (const [topic, file] of [
    [config.topics.alerts, 'bridge.alerts.v1'],
    [config.topics.state, 'bridge.ticket-state.v1'],
  ] as const)
    await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${file}.avsc`)).schema);
  const producer = messaging.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  const raise = async (...alerts: AlertRecord[]) => {
    const subject = subjectForTopic(config.topics.alerts);
    const records = await Promise.all(
      alerts.map(async (a) => ({ key: a.alertId, value: await serde.encode(subject, a) })),
    );
    await producer.send(config.topics.alerts, records);
  };
  // The processor's state holds SR-1 only.
  const policy = await testPolicy();
  const held = decide(null, crm('SR-1', 'OPENED', 1, { serviceCode: 'GRASS' }), { policy, now: 1 })
    .state as TicketState;
  const stateSubject = subjectForTopic(config.topics.state);
  if (o.state !== false)
    await producer.send(config.topics.state, [
      { key: 'SR-1', value: await serde.encode(stateSubject, stateToRecord(held)), partition: 0 },
    ]);
  const errors: string[] = [];
  const ack = (alertId: string, reason: string | null) =>
    acknowledge(
      { messaging, admin, serde, logger },
      config,
      { alertId, by: 'ops@city', reason },
      () => undefined,
      (l) => errors.push(l),
    );
  const open = async () => (await openAlerts(messaging, admin, serde, config.topics.alerts)).map((a) => a.alertId);
  return { raise, ack, open, errors, lines, messaging, admin, serde, config };
}

describe('alerts ack of an alert whose owner is gone', () => {
  it('acknowledges a silent connector that left the config, and a ticket in no partition of the state, with the reason', async () => {
    const s = await setUp();
    await s.raise(
      alert('posse-old|CONNECTOR_SILENT|', 'CONNECTOR_SILENT', { connector: 'posse-old' }),
      alert('SR-9|STUCK_ROUTED|', 'STUCK_ROUTED', { ticketId: 'SR-9' }),
    );
    expect(await s.ack('posse-old|CONNECTOR_SILENT|', 'renamed to posse')).toBe(0);
    expect(await s.ack('SR-9|STUCK_ROUTED|', 'partition 0 started empty, INC-12')).toBe(0);
    expect(s.errors).toEqual([]);
    expect(await s.open()).toEqual([]);
    // Who, why and what, in the log line that outlives the clearing on the compacted topic.
    const acked = s.lines.filter((l) => l['msg'] === 'alert acknowledged');
    expect(acked.map((l) => [l['alertId'], l['by'], l['why'], l['detail']])).toEqual([
      [
        'posse-old|CONNECTOR_SILENT|',
        'ops@city',
        'renamed to posse',
        'acknowledged by ops@city (renamed to posse): connector posse-old is in no connector entry of the config; raised as: as raised',
      ],
      [
        'SR-9|STUCK_ROUTED|',
        'ops@city',
        'partition 0 started empty, INC-12',
        `acknowledged by ops@city (partition 0 started empty, INC-12): ticket SR-9 is in no partition's state on ${s.config.topics.state}; raised as: as raised`,
      ],
    ]);
  });

  it('acknowledges a silent connector whose entry in the config runs no source', async () => {
    const s = await setUp({ source: false });
    await s.raise(alert('posse|CONNECTOR_SILENT|', 'CONNECTOR_SILENT', { connector: 'posse' }));
    expect(await s.ack('posse|CONNECTOR_SILENT|', 'source moved to the posse worker')).toBe(0);
    expect(s.lines.find((l) => l['msg'] === 'alert acknowledged')?.['detail']).toBe(
      'acknowledged by ops@city (source moved to the posse worker): connector posse runs no source under the config (source: false); raised as: as raised',
    );
  });

  it('refuses one whose connector is in the config or whose ticket the state holds, and one without a reason', async () => {
    const s = await setUp();
    await s.raise(
      alert('posse|CONNECTOR_SILENT|', 'CONNECTOR_SILENT', { connector: 'posse' }),
      alert('SR-1|STUCK_ROUTED|', 'STUCK_ROUTED', { ticketId: 'SR-1' }),
      alert('posse-old|CONNECTOR_SILENT|', 'CONNECTOR_SILENT', { connector: 'posse-old' }),
    );
    expect(await s.ack('posse|CONNECTOR_SILENT|', 'gone')).toBe(2);
    expect(await s.ack('SR-1|STUCK_ROUTED|', 'gone')).toBe(2);
    expect(await s.ack('posse-old|CONNECTOR_SILENT|', null)).toBe(2);
    expect(s.errors).toEqual([
      expect.stringMatching(
        /CL_ARGUMENT_INVALID: alert posse\|CONNECTOR_SILENT\| is CONNECTOR_SILENT, and connector posse runs its source under the config/,
      ),
      expect.stringMatching(
        /CL_ARGUMENT_INVALID: alert SR-1\|STUCK_ROUTED\| is STUCK_ROUTED, and ticket SR-1 is in the state of partition 0/,
      ),
      expect.stringMatching(/CL_ARGUMENT_INVALID: .*needs --reason/),
    ]);
    expect((await s.open()).sort()).toEqual([
      'SR-1|STUCK_ROUTED|',
      'posse-old|CONNECTOR_SILENT|',
      'posse|CONNECTOR_SILENT|',
    ]);
  });

  it('refuses a ticket alert while a changelog partition is lost and not yet started on again', async () => {
    // The changelog deleted and created again: empty, though the processor's group read its input.
    const s = await setUp({ state: false, lostInput: '5' });
    await s.raise(alert('SR-9|STUCK_ROUTED|', 'STUCK_ROUTED', { ticketId: 'SR-9' }));
    expect(await s.ack('SR-9|STUCK_ROUTED|', 'gone')).toBe(2);
    expect(s.errors).toEqual([expect.stringMatching(/partition\(s\) 0 of the state changelog .* hold no record/)]);
    expect(await s.open()).toEqual(['SR-9|STUCK_ROUTED|']);
    // Never read: a new installation's empty changelog loses nothing.
    const fresh = await setUp({ state: false, lostInput: '-1' });
    await fresh.raise(alert('SR-9|STUCK_ROUTED|', 'STUCK_ROUTED', { ticketId: 'SR-9' }));
    expect(await fresh.ack('SR-9|STUCK_ROUTED|', 'gone')).toBe(0);
  });
});
