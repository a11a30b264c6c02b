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
  it('is not recorded as drift for the state the bridge took meanwhile, and is left for the next run', async () => {
    const { config, messaging, serde, step } = await openOnBridge(cleanup, ['M1'], work, { running: true });
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
    });
    expect(report.outcomes).toEqual([]);
    expect(report).toMatchObject({ checked: 1, changed: 1 });
  });
});
