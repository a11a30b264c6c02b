import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import {
  AvroSerde,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type CrmTicketEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'crm.ticket-events.v1';

describe('a registry that stalls while a source publishes', () => {
  it('pauses the runner on `registry`, publishes nothing meanwhile, and every change once it answers', async () => {
    const { registry, url, serde } = await startLoopback(cleanup);
    const sim = new CrmSimulator({ token: 'tok' });
    const simUrl = await sim.start();
    cleanup.push(() => sim.stop());
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([TOPIC, deadLetterTopic(TOPIC)].map((topic) => ({ topic, partitions: 1 })));
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const logger = createLogger({ level: 'silent' });
    const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: simUrl, jurisdiction: 'testville' });
    const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
    if (!source) throw new Error('crm-rest has no source');
    const runner = new SourceRunner({
      connector: 'crm-rest',
      cursorKey: 'crm-rest:testville',
      topic: TOPIC,
      source,
      messaging,
      // Its own serde, which has no schema in hand: the first publish asks the registry.
      serde: new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0, timeoutMs: 150 }),
      logger,
      pollIntervalMs: 5,
      probeIntervalMs: 5,
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    });
    for (let i = 0; i < 3; i += 1) sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    registry.stalled = true;
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the pause', () => runner.status().pausedBy === 'registry', 5_000);
    const asked = registry.requests;
    await until('a request more timed out', () => registry.requests > asked + 1, 5_000);
    expect(runner.status()).toMatchObject({ published: 0, pausedBy: 'registry', cursor: null });

    registry.stalled = false;
    await until('three changes', () => runner.status().published === 3, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, cursor: '3' });
    const published: string[] = [];
    await readToEnd(messaging, admin, TOPIC, 'all', async (r) => {
      published.push((await serde.decode<CrmTicketEvent>(r.value)).value.ticketId);
    });
    expect(published).toHaveLength(3);
    expect((await admin.topicOffsets(deadLetterTopic(TOPIC)))[0]?.high).toBe('0');
  });
});
