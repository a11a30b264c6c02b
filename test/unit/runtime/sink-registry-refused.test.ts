import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  AvroSerde,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import type { Sink, TicketStatusChange } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'bridge.ticket-status.v1';

describe('a registry that refuses closeloop’s credentials', () => {
  it.each([401, 403, 407])('answering %i is CL_SCHEMA_REGISTRY_UNAUTHORIZED, retriable', async (status) => {
    const { registry, url } = await startLoopback(cleanup);
    registry.refuse = status;
    const err = await new AvroSerde({ url, retries: 0 }).decode(Buffer.from([0, 0, 0, 0, 7, 2, 65])).catch((e) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({
      code: 'CL_SCHEMA_REGISTRY_UNAUTHORIZED',
      retriable: true,
      details: { httpStatus: status },
    });
  });

  it('pauses a sink on `registry` with nothing dead-lettered, and it delivers once the registry takes them again', async () => {
    const { registry, url, serde } = await startLoopback(cleanup);
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([
      { topic: TOPIC, partitions: 1 },
      { topic: deadLetterTopic(TOPIC), partitions: 1 },
    ]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-A', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const [status] = bridge.statuses;
    if (!status) throw new Error('expected a status');
    const delivered: string[] = [];
    const sink: Sink<TicketStatusChange> = {
      deliver: async (s) => void delivered.push(`${s.ticketId}@${s.version}`),
      health: () => Promise.resolve({ status: 'up' }),
    };
    // The sink's serde has never seen the schema id: it must ask the registry, which refuses.
    const runner = new SinkRunner({
      connector: 'crm-rest',
      topic: TOPIC,
      recordName: RECORD_NAMES.status,
      groupId: 'crm-sink',
      sink,
      messaging,
      serde: new AvroSerde({ url, retries: 0 }),
      logger: createLogger({ level: 'silent' }),
      retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 2 },
      probeIntervalMs: 5,
    });
    const value = await serde.encode(subjectForTopic(TOPIC), status);
    registry.refuse = 401;
    await runner.start();
    cleanup.push(() => runner.stop());
    await messaging.producer().send(TOPIC, [{ key: status.ticketId, value }]);
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    expect(runner.status()).toMatchObject({ deadLettered: 0, delivered: 0 });
    registry.refuse = null;
    await until('the delivery', () => delivered.length === 1, 5_000);
    expect(runner.status()).toMatchObject({ deadLettered: 0, delivered: 1, pausedBy: null });
    expect((await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high).toBe('0');
  });
});
