import { describe, expect, it } from 'vitest';
import type { WorkOrderEvent } from '../../src/domain/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { dept } from '../support/domain.ts';
import { openOnBridge } from '../support/reconcile-bridge.ts';

const cleanup = cleanupAfter('each');
const work = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });

describe('a ticket that moves on while a run is under way', () => {
  // With the shipped settleSeconds (60) too: read again only when its copy was older than that,
  // a partition changed in the run's first minute was judged as the run found it.
  it.each([
    ['no settling time', 0],
    ['the shipped settling time', 60],
  ])('is not recorded as drift for the state the bridge took meanwhile (%s)', async (_, settleSeconds) => {
    const bridge = await openOnBridge(cleanup, ['M1'], work, { running: true });
    const { messaging, serde, step } = bridge;
    const config = { ...bridge.config, reconcile: { ...bridge.config.reconcile, settleSeconds } };
    const inProgress = dept('M1', 'M1#1', 'maximo', 'INPRG', 3, { department: 'transportation' });
    const lookups: ReconcileLookups = {
      crm: null,
      departments: [
        {
          connector: 'maximo',
          system: 'maximo',
          department: 'transportation',
          lookup: {
            // The crew starts work as the run reaches the ticket: the feed brings INPRG to the
            // bridge, and the lookup shows it, both after the run read the changelog.
            async workOrder() {
              await step([inProgress]);
              return inProgress.event as WorkOrderEvent;
            },
            health: async () => ({ status: 'up' }),
          },
        },
      ],
      stop: async () => undefined,
    };
    const report = await runReconciliation({
      config,
      messaging,
      serde,
      logger: createLogger({ level: 'silent' }),
      lookups,
      rate: 1_000,
      // Past the settling time of the ticket's last change, so the run checks it.
      clock: () => Date.now() + 2 * settleSeconds * 1000,
    });
    expect(report.outcomes).toEqual([]);
    expect(report).toMatchObject({ checked: 1, changed: 1 });
  });
});
