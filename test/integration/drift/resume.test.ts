import { afterAll, describe, expect, it } from 'vitest';
import { AvroSerde, type Messaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { LifecycleProcessor } from '../../../src/processor/index.ts';
import { runReconciliation, type ReconcileLookups } from '../../../src/reconcile/index.ts';
import { Bridge, crm } from '../../support/domain.ts';
import { endpoints, testMessaging } from '../../support/kafka.ts';
import { step, testConfig, testProcessor } from '../../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

/** A CRM lookup that agrees with the bridge on every ticket, and remembers what it was asked. */
function crmAgreeing(): { lookups: ReconcileLookups; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookups: {
      crm: {
        async ticket(ticketId) {
          asked.push(ticketId);
          const common = { lifecycleState: 'ROUTED', closureReason: null, updatedAt: null };
          return { ticketId, status: 'open', statusVersion: 1, ...common };
        },
        health: async () => ({ status: 'up' }),
      },
      departments: [],
      stop: async () => undefined,
    },
  };
}

/**
 * The messaging, its producers failing the `nth` send to `topic` (the run's cursor), once: the
 * run ends there, as a crash would end it, its ticket checked but the cursor not stored after it.
 */
function failingNthSend(base: Messaging, topic: string, nth: number): Messaging {
  let sends = 0;
  return {
    admin: () => base.admin(),
    transactionalProducer: (id) => base.transactionalProducer(id),
    consumer: (options) => base.consumer(options),
    producer: (options) => {
      const producer = base.producer(options);
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        send: async (t, records) => {
          if (t === topic && ++sends === nth) throw new Error('the reconciliation process was interrupted');
          return producer.send(t, records);
        },
      };
    },
  };
}

describe('reconciliation resumes', () => {
  it('continues an interrupted run after the last ticket it finished, and starts over once a run completed', async () => {
    const { config } = await testConfig(3, 30, { reconcile: { settleSeconds: 0 } });
    const processor = testProcessor(config, messaging);
    running.push(processor);
    await processor.start();
    const ids = ['R1', 'R2', 'R3', 'R4', 'R5'];
    await step(
      config,
      messaging,
      new Bridge(config.policy),
      ids.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
    );

    const { lookups, asked } = crmAgreeing();
    const o = {
      config,
      messaging,
      serde: new AvroSerde({ url: endpoints().registryUrl }),
      logger: createLogger({ level: 'silent' }),
      lookups,
      rate: 1_000,
      cursorEvery: 1,
    };
    // The third cursor, after R3, is not stored.
    const crashing = { ...o, messaging: failingNthSend(messaging, config.topics.cursors, 3) };
    await expect(runReconciliation(crashing)).rejects.toThrow('interrupted');
    expect(asked).toEqual(['R1', 'R2', 'R3']);

    asked.length = 0;
    const resumed = await runReconciliation(o);
    expect(resumed).toMatchObject({ resumedAfter: 'R2', checked: 3, outcomes: [] });
    expect(asked).toEqual(['R3', 'R4', 'R5']);

    asked.length = 0;
    const fresh = await runReconciliation(o);
    expect(fresh).toMatchObject({ resumedAfter: null, checked: 5 });
    expect(fresh.runId).not.toBe(resumed.runId);
    expect(asked).toEqual(ids);
  }, 180_000);
});
