import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { crmSourceRunner } from '../../support/crm-source.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { until, within } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'crm.ticket-events.v1';

describe('source runner: stop() ends promptly', () => {
  it('stops within 1 s when told to while a publish is under way, not after the wait before the next poll', async () => {
    const { serde } = await startLoopback(cleanup);
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const inner = createInMemoryMessaging();
    await inner.admin().ensureTopics([{ topic: TOPIC, partitions: 1 }]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    // Commits wait for the test to let them go: the stop comes while one is out.
    let committing = 0;
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const messaging = wrapMessaging(inner, {
      transaction: (tx) =>
        overTransaction(tx, {
          commit: async () => {
            committing += 1;
            await gate;
            return tx.commit();
          },
        }),
    });
    const logger = createLogger({ level: 'silent' });
    const runner = crmSourceRunner(url, {
      topic: TOPIC,
      messaging,
      serde,
      logger,
      // A record found waits the busy interval before the next poll: long here, so a stop that
      // waits it out shows.
      busyPollIntervalMs: 30_000,
      pollIntervalMs: 30_000,
    });
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the publish to commit', () => committing === 1, 5_000);
    const started = performance.now();
    const stopping = runner.stop();
    release();
    await within('stop()', 3_000, stopping);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(runner.status()).toMatchObject({ state: 'stopped', published: 1 });
  });
});
