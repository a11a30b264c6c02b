import { describe, expect, it } from 'vitest';
import type { WorkOrderEvent } from '../../src/domain/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { acknowledgeAlert, openAlerts } from '../../src/ops/index.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import type { Lookup } from '../../src/sdk/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { dept } from '../support/domain.ts';
import { openOnBridge } from '../support/reconcile-bridge.ts';
import { DriftWatch } from '../../src/worker/drift-watch.ts';

const cleanup = cleanupAfter('each');
const logger = createLogger({ level: 'silent' });

/** The CRM agreeing with the bridge (v2), and maximo/transportation answering what `known` holds. */
function systems(known: Map<string, WorkOrderEvent | null>): ReconcileLookups {
  const maximo: Lookup = {
    workOrder: async (ref) => known.get(ref.workOrderId) ?? null,
    health: async () => ({ status: 'up' }),
  };
  return {
    crm: {
      async ticket(ticketId) {
        return {
          ticketId,
          status: 'open',
          statusVersion: 2,
          lifecycleState: null,
          closureReason: null,
          updatedAt: null,
        };
      },
      health: async () => ({ status: 'up' }),
    },
    departments: [{ connector: 'maximo', system: 'maximo', department: 'transportation', lookup: maximo }],
    stop: async () => undefined,
  };
}

describe('drift reconciliation cannot heal', () => {
  it('raises one DRIFT_UNHEALED alert per drift, naming ticket and department, cleared once the drift is gone', async () => {
    const work = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });
    const { config, messaging, serde } = await openOnBridge(cleanup, ['D1', 'D2'], work);
    const admin = messaging.admin();
    const metrics = new Metrics({ defaults: false });
    const known = new Map<string, WorkOrderEvent | null>();
    const seen = dept('D2', 'D2#1', 'maximo', 'APPR', 2, { department: 'transportation' }).event as WorkOrderEvent;
    known.set('D2#1', seen);
    const options = { config, messaging, serde, logger, metrics, lookups: systems(known), rate: 1_000 };
    const alerts = () => openAlerts(messaging, admin, serde, config.topics.alerts);

    // D1's work order is gone from the department: DEPT_MISSING, left for people, found by each run.
    for (let run = 1; run <= 2; run += 1) {
      const report = await runReconciliation(options);
      expect(report.outcomes.map((o) => [o.finding.ticketId, o.finding.kind, o.action])).toEqual([
        ['D1', 'DEPT_MISSING', 'ALERTED'],
      ]);
      const open = await alerts();
      expect(open.map((a) => [a.alertId, a.reason, a.ticketId, a.department])).toEqual([
        ['D1|DRIFT_UNHEALED|DEPT_MISSING:D1#1', 'DRIFT_UNHEALED', 'D1', 'transportation'],
      ]);
      expect(open[0]?.detail).toContain('does not know work order D1#1');
      expect(report.driftAlerts.map((a) => a.alertId)).toEqual(open.map((a) => a.alertId));
      expect(await metrics.driftUnhealed.get()).toMatchObject({ values: [{ value: 1 }] });
    }

    // An operator can acknowledge it; the next run finding the drift again raises it again.
    const acked = await acknowledgeAlert(messaging, admin, serde, {
      topic: config.topics.alerts,
      jurisdiction: config.jurisdiction,
      alertId: 'D1|DRIFT_UNHEALED|DEPT_MISSING:D1#1',
      by: 'ops@example.org',
      now: Date.now(),
    });
    expect(acked?.status).toBe('CLEARED');
    expect(await alerts()).toEqual([]);
    await runReconciliation(options);
    expect((await alerts()).map((a) => a.alertId)).toEqual(['D1|DRIFT_UNHEALED|DEPT_MISSING:D1#1']);

    // The department knows the work order again: the drift is gone, and so is its alert.
    known.set('D1#1', { ...seen, ticketId: 'D1', workOrderId: 'D1#1' });
    const healed = await runReconciliation(options);
    expect(healed.outcomes).toEqual([]);
    expect(await alerts()).toEqual([]);
    expect(healed.driftAlerts).toEqual([]);
    expect(await metrics.driftUnhealed.get()).toMatchObject({ values: [{ value: 0 }] });
  });

  it('counts a work order no lookup serves as unanswered', async () => {
    const work = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });
    const { config, messaging, serde } = await openOnBridge(cleanup, ['N1'], work);
    const metrics = new Metrics({ defaults: false });
    const lookups = { ...systems(new Map()), departments: [] };
    const report = await runReconciliation({ config, messaging, serde, logger, metrics, lookups, rate: 1_000 });
    expect(report.unanswered).toBe(1);
    const unanswered = (await metrics.reconcileUnanswered.get()).values;
    expect(unanswered.map((v) => [v.labels['system'], v.labels['code'], v.value])).toEqual([
      ['maximo', 'NO_LOOKUP', 1],
    ]);
  });

  // A worker read them only from its own runs: green from its start until its first run (a whole
  // interval), and red for an acknowledged alert until its next one.
  it("is what a reconciling worker's readiness shows from its start, and no more once acknowledged", async () => {
    const work = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });
    const { config, messaging, serde } = await openOnBridge(cleanup, ['W1'], work);
    const admin = messaging.admin();
    const lookups = systems(new Map());
    await runReconciliation({ config, messaging, serde, logger, lookups, rate: 1_000 });

    const metrics = new Metrics({ defaults: false });
    const watch = new DriftWatch({ config, messaging, serde, metrics, logger });
    await watch.start(60_000);
    cleanup.push(() => watch.stop());
    expect(watch.open().map((a) => a.alertId)).toEqual(['W1|DRIFT_UNHEALED|DEPT_MISSING:W1#1']);
    expect(await metrics.driftUnhealed.get()).toMatchObject({ values: [{ value: 1 }] });

    await acknowledgeAlert(messaging, admin, serde, {
      topic: config.topics.alerts,
      jurisdiction: config.jurisdiction,
      alertId: 'W1|DRIFT_UNHEALED|DEPT_MISSING:W1#1',
      by: 'ops@example.org',
      now: Date.now(),
    });
    await watch.refresh();
    expect(watch.open()).toEqual([]);
    expect(await metrics.driftUnhealed.get()).toMatchObject({ values: [{ value: 0 }] });
  });
});
