import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { posseConfig } from '../../../connectors/posse/config.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.work-order-commands.v1';

async function setUp(honoursIdempotencyKey: boolean, notesAsObjects: boolean) {
  const { serde } = await startLoopback(cleanup);
  const sim = new PosseSimulator({ token: 'tok', honoursIdempotencyKey, notesAsObjects });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const messaging = createInMemoryMessaging();
  await messaging.admin().ensureTopics([
    { topic: TOPIC, partitions: 1 },
    { topic: deadLetterTopic(TOPIC), partitions: 1 },
  ]);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  const logger = createLogger({ level: 'silent' });
  const config = parseConnectorConfig('posse', posseConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    timeoutMs: 300,
  });
  const sink = posse.sink?.(config, { logger, env: { POSSE_API_TOKEN: 'tok' }, clock: Date.now });
  if (!sink) throw new Error('posse has no sink');
  const runner = new SinkRunner({
    connector: 'posse',
    topic: TOPIC,
    recordName: RECORD_NAMES.commands,
    groupId: 'posse-sink',
    sink,
    messaging,
    serde,
    logger,
    retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 },
    probeIntervalMs: 20,
  });
  const producer = messaging.producer();
  const send = async (commands: readonly WorkOrderCommand[]) => {
    for (const c of commands)
      await producer.send(TOPIC, [{ key: c.ticketId, value: await serde.encode(subjectForTopic(TOPIC), c) }]);
  };
  return { sim, runner, send };
}

describe('posse sink: a note POSSE commits but answers after the time-out', () => {
  // A job view listing notes as objects failed every retry's read of the notes as malformed: the
  // sink paused with POSSE healthy, and the note, already on the job, was given up on.
  it.each([
    ['honours Idempotency-Key', true, false],
    ['ignores Idempotency-Key', false, false],
    ['honours Idempotency-Key and lists notes as objects', true, true],
    ['ignores Idempotency-Key and lists notes as objects', false, true],
  ])(
    'is on the job once after the runner retries it, when POSSE %s',
    async (_, honours, notesAsObjects) => {
      const { sim, runner, send } = await setUp(honours, notesAsObjects);
      await runner.start();
      cleanup.push(() => runner.stop());
      const bridge = new Bridge(await testPolicy());
      bridge.send(crm('SR-LATE', 'OPENED', 1, { serviceCode: 'GRASS' }));
      await send(bridge.commands);
      await until('the job', () => runner.status().delivered === 1, 5_000);

      // Every write takes at once and is answered a second after the connector gave up on it.
      sim.server.setFaults({ lateAnswerRate: 1, lateAnswerMs: 1_000 });
      const from = bridge.commands.length;
      bridge.send(crm('SR-LATE', 'UPDATED', 2, { note: 'The dog in the yard bites.' }));
      const commands = bridge.commands.slice(from);
      expect(commands.map((c) => c.kind)).toEqual(['ADD_NOTE']);
      await send(commands);
      const job = () => [...sim.jobs.values()].find((j) => j.ticketId === 'SR-LATE');
      await until('the note to count as delivered', () => runner.status().delivered === 2, 10_000);
      expect(runner.status().retries).toBeGreaterThanOrEqual(1);
      expect(job()?.notes).toEqual(['The dog in the yard bites.']);
      expect(runner.status()).toMatchObject({ deadLettered: 0 });
      // Answers still on their way change nothing.
      await new Promise((r) => setTimeout(r, 1_100));
      expect(job()?.notes).toEqual(['The dog in the yard bites.']);
    },
    20_000,
  );
});
