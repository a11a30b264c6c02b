import { expect, it } from 'vitest';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import {
  listDeadLetters,
  REPLAY_AT_HEADER,
  replayDeadLetters,
  type DeadLetterScope,
  type ReplayAudit,
} from '../../../src/ops/index.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import type { Sink, WorkOrderCommand } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.work-order-commands.v1';
const DLQ = deadLetterTopic(TOPIC);
const ALERTS = 'bridge.alerts.v1';
const AUDIT = 'closeloop.dlq-replays';

// A department command the processor will not issue again: only a replay of its dead letter can
// deliver it and clear its DELIVERY_EXHAUSTED alert.
it('re-sends, with --again and a reason, a command whose replay failed again, and its alert clears on delivery', async () => {
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([TOPIC, DLQ, ALERTS, AUDIT].map((topic) => ({ topic, partitions: 1 })));
  for (const t of [TOPIC, ALERTS])
    await serde.register(subjectForTopic(t), (await readSchemaFile(`schemas/${t}.avsc`)).schema);

  // A department system that times out on the command (it is down for it), while its health passes.
  let broken = true;
  const delivered: string[] = [];
  const sink: Sink<WorkOrderCommand> = {
    async deliver(c) {
      if (broken)
        throw new CloseloopError('CL_CONNECTOR_RETRIABLE', 'timed out', { details: { errorCode: 'ETIMEDOUT' } });
      delivered.push(c.commandId);
    },
    health: () => Promise.resolve({ status: 'up' }),
  };
  const runner = new SinkRunner({
    connector: 'maximo',
    topic: TOPIC,
    recordName: RECORD_NAMES.commands,
    groupId: 'maximo-sink',
    sink,
    messaging,
    serde,
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs: 5,
    maxDeliveryCycles: 1,
    alerts: { topic: ALERTS, jurisdiction: 'testville', accountable: (d) => d ?? '311 service desk' },
  });
  await runner.start();
  cleanup.push(() => runner.stop());
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm('SR-X', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  const [create] = bridge.commands;
  if (!create) throw new Error('expected a CREATE');
  await messaging
    .producer()
    .send(TOPIC, [{ key: create.ticketId, value: await serde.encode(subjectForTopic(TOPIC), create) }]);
  await until('the command to be given up on', () => runner.status().deadLettered === 1, 10_000);

  const scope: DeadLetterScope = {
    deadLetterTopics: [DLQ],
    audit: { topic: AUDIT, partitions: 1 },
    transactionalId: 'r',
  };
  const filter = { code: 'CL_DELIVERY_EXHAUSTED', ticket: 'SR-X' };
  // Replayed before the cause is fixed: it fails again, and is dead-lettered anew.
  const first = await replayDeadLetters(messaging, admin, filter, 'oncall-1', scope);
  expect(first.deadLetters).toEqual([`${DLQ}:0:0`]);
  await until('the replayed command to fail again', () => runner.status().deadLettered === 2, 10_000);
  // The re-sent record carried where its line began, so its new dead letter keeps that place.
  const letters = await listDeadLetters(messaging, admin, filter, [DLQ]);
  expect(letters.map((d) => [d.id, d.originalOffset, d.headers[REPLAY_AT_HEADER]?.toString()])).toEqual([
    [`${DLQ}:0:0`, 0n, undefined],
    [`${DLQ}:0:1`, 1n, `${TOPIC}:0:0`],
  ]);

  // Fixed now. A plain replay does not re-send the line twice, and says how to.
  broken = false;
  const plain = await replayDeadLetters(messaging, admin, filter, 'oncall-2', scope);
  expect(plain.deadLetters).toEqual([]);
  expect(plain.skipped).toEqual([
    { id: `${DLQ}:0:0`, reason: `already replayed by ${first.replayId}` },
    {
      id: `${DLQ}:0:1`,
      reason: `failed again after replay ${first.replayId}; once the cause is fixed, re-send it with --again --reason TEXT`,
    },
  ]);
  expect(delivered).toEqual([]);

  const again = await replayDeadLetters(messaging, admin, filter, 'oncall-2', scope, {
    again: true,
    reason: 'Maximo fixed (INC-1)',
  });
  expect(again.deadLetters).toEqual([`${DLQ}:0:1`]);
  await until('the command', () => delivered.length === 1, 10_000);
  expect(delivered).toEqual([create.commandId]);

  // Audited like any replay, with the reason; a further --again has nothing left to re-send.
  const audits: ReplayAudit[] = [];
  await readToEnd(messaging, admin, AUDIT, 'all', (r) => void audits.push(JSON.parse(r.value?.toString() ?? '{}')));
  expect(audits.map((a) => [a.by, a.again, a.reason, a.deadLetters, a.origins])).toEqual([
    ['oncall-1', false, null, [`${DLQ}:0:0`], [`${DLQ}:0:0`]],
    ['oncall-2', false, null, [], []],
    ['oncall-2', true, 'Maximo fixed (INC-1)', [`${DLQ}:0:1`], [`${DLQ}:0:0`]],
  ]);
  const twice = await replayDeadLetters(messaging, admin, filter, 'oncall-2', scope, { again: true, reason: 'click' });
  expect(twice.deadLetters).toEqual([]);

  // The alert clears: in status, so readiness, and on the alerts topic.
  await until('the alert to clear', () => runner.status().exhausted.length === 0, 10_000);
  const verdict = judgeReadiness({
    phase: 'running',
    processorReady: true,
    brokerUp: true,
    registryUp: true,
    runners: [{ connector: 'maximo', kind: 'sink', ...runner.status() }],
  });
  expect(verdict).toEqual({ ready: true, reasons: [] });
  const alerts = async () => {
    const got: AlertRecord[] = [];
    await readToEnd(messaging, admin, ALERTS, 'all', async (r) => {
      got.push((await serde.decode<AlertRecord>(r.value ?? Buffer.alloc(0))).value);
    });
    return got;
  };
  await untilAsync('the clearing record', async () => (await alerts()).some((a) => a.status === 'CLEARED'), 5_000);
  expect((await alerts()).map((a) => [a.alertId, a.status])).toEqual([
    [`SR-X|DELIVERY_EXHAUSTED|${create.commandId}`, 'RAISED'],
    [`SR-X|DELIVERY_EXHAUSTED|${create.commandId}`, 'RAISED'],
    [`SR-X|DELIVERY_EXHAUSTED|${create.commandId}`, 'CLEARED'],
  ]);
});
