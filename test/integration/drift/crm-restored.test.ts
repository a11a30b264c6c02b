import { describe, expect, it } from 'vitest';
import { costLine, driftRecords, lookupCalls, tallySinceRestore, reconcilingRun } from '../../support/drift.ts';
import { recordFault } from '../../support/fault-report.ts';
import { metric } from '../../support/fault-worker.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('drift: the CRM is restored from an older backup', () => {
  it('finds the CRM behind, re-sends the statuses it lacks in order, and every ticket closes', async () => {
    const { run, fw } = await reconcilingRun(cleanup, 3);
    await until('three jobs in the department', () => run.posse.jobs.size === 3, 60_000);
    const crmTickets = () => [...run.crm.tickets.values()];
    run.posse.tick();
    run.posse.tick();
    await until('all accepted in the CRM', () => crmTickets().every((t) => t.lifecycleState === 'ACCEPTED'), 60_000);
    const backup = run.crm.snapshot();
    const backupVersions = new Map(backup.tickets.map((t) => [t.id, t.statusVersion]));
    run.posse.tick();
    run.posse.tick();
    await until('all scheduled in the CRM', () => crmTickets().every((t) => t.lifecycleState === 'SCHEDULED'), 60_000);
    const latest = new Map(crmTickets().map((t) => [t.id, t.statusVersion]));

    const restoredAt = Date.now();
    const appliedBeforeRestore = run.crm.applied.length;
    run.crm.restoreBackup(backup);
    expect(crmTickets().every((t) => t.lifecycleState === 'ACCEPTED')).toBe(true);
    const before = lookupCalls(run);
    const report = await fw.worker.reconcileNow();
    console.log(costLine('CRM restored from a backup', report, lookupCalls(run) - before));
    expect(report.outcomes.map((o) => [o.finding.kind, o.action])).toEqual(
      Array(3).fill(['CRM_BEHIND', 'RESENT_STATUSES']),
    );
    await until(
      'the CRM back at the versions the bridge sent',
      () => crmTickets().every((t) => t.statusVersion === latest.get(t.id) && t.lifecycleState === 'SCHEDULED'),
      60_000,
    );
    const detectedAfterMs = Date.now() - restoredAt;
    const drift = await driftRecords(run.config);
    expect(drift.map((d) => d.kind)).toEqual(Array(3).fill('CRM_BEHIND'));
    expect(await metric(fw.url, 'closeloop_drift_total{kind="CRM_BEHIND",department="housing"}')).toBe(3);

    run.work();
    await until('every ticket closed and all work done', () => run.done(), 120_000);
    const tally = tallySinceRestore(run.crm, appliedBeforeRestore, backupVersions);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    expect((await fw.worker.reconcileNow()).outcomes).toEqual([]);
    recordFault({ path: 'drift: CRM restored from a backup', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);
});
