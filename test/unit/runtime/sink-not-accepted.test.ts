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
import { Metrics } from '../../../src/observability/metrics.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.work-order-commands.v1';

describe('a sink runner passing over a record its sink does not accept', () => {
  it('counts it in status and closeloop_sink_not_accepted_total and logs its ticket and work order only', async () => {
    const { serde } = await startLoopback(cleanup);
    const sim = new PosseSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([
      { topic: TOPIC, partitions: 1 },
      { topic: deadLetterTopic(TOPIC), partitions: 1 },
    ]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
    const metrics = new Metrics({ defaults: false });
    // This installation serves permits only; the test policy routes grass to housing.
    const config = parseConnectorConfig('posse', posseConfig, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: ['permits'],
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
      metrics,
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
      probeIntervalMs: 5,
    });
    await runner.start();
    cleanup.push(() => runner.stop());

    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-ELSEWHERE', 'OPENED', 1, { serviceCode: 'GRASS', description: 'Call me on 555-0100' }));
    const [command] = bridge.commands;
    expect(command).toMatchObject({ kind: 'CREATE', department: 'housing', system: 'posse' });
    const producer = messaging.producer();
    const send = async (c: WorkOrderCommand) =>
      producer.send(TOPIC, [{ key: c.ticketId, value: await serde.encode(subjectForTopic(TOPIC), c) }]);
    if (!command) throw new Error('no command');
    await send(command);

    await until('the command to be passed over', () => runner.status().notAccepted === 1, 5_000);
    expect(runner.status()).toMatchObject({ delivered: 0, deadLettered: 0, notAccepted: 1 });
    expect(sim.jobs.size).toBe(0);
    const counted = await metrics.notAccepted.get();
    expect(counted.values).toEqual([{ labels: { connector: 'posse' }, value: 1 }]);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['ticketId']);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'not for this sink; passed over',
        ticketId: 'SR-ELSEWHERE',
        workOrderId: command.workOrderId,
      }),
    ]);
    expect(lines.join('\n')).not.toContain('555-0100');
  });
});
