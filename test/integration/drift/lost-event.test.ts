import { describe, expect, it } from 'vitest';
import { crmTally } from '../../support/bridge-run.ts';
import { costLine, driftRecords, lookupCalls, reconcilingRun } from '../../support/drift.ts';
import { recordFault } from '../../support/fault-report.ts';
import { metric } from '../../support/fault-worker.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('drift: a department event is lost', () => {
  it('finds the department ahead of the bridge, feeds its state through the processor, and the ticket closes', async () => {
    const { run, fw } = await reconcilingRun(cleanup, 3);
    await until('three jobs in the department', () => run.posse.jobs.size === 3, 60_000);
    const states = () => [...run.crm.tickets.values()].map((t) => t.lifecycleState);
    // RECEIVED, INTAKE_ACCEPTED, INSPECTOR_ASSIGNED, INSPECTION_SCHEDULED, INSPECTION_STARTED.
    for (let i = 0; i < 5; i += 1) run.posse.tick();
    await until('every ticket in progress in the CRM', () => states().every((s) => s === 'IN_PROGRESS'), 60_000);

    // The first job's completion leaves no change in the feed; the others' arrive.
    run.posse.loseNextChanges(1);
    const lostAt = Date.now();
    run.posse.tick();
    const [lost] = run.posse.lost;
    expect(lost).toBeDefined();
    const stuck = [...run.posse.jobs.values()].find((j) => j.externalRef === lost?.externalRef)?.ticketId ?? '';
    await until(
      'the other two closed, the one with the lost event still in progress',
      () =>
        [...run.crm.tickets.values()].every((t) =>
          t.id === stuck ? t.lifecycleState === 'IN_PROGRESS' : t.status === 'closed',
        ),
      60_000,
    );
    expect(run.done()).toBe(false);

    const before = lookupCalls(run);
    const report = await fw.worker.reconcileNow();
    console.log(costLine('lost department event', report, lookupCalls(run) - before));
    // The two closed ones are checked too (closed within reconcile.closedWindowDays), and agree.
    expect(report.checked).toBe(3);
    expect(report.outcomes.map((o) => [o.finding.kind, o.finding.ticketId, o.action])).toEqual([
      ['DEPT_AHEAD', stuck, 'FED_OBSERVATION'],
    ]);
    await until('the ticket closed in the CRM', () => run.done(), 60_000);
    const detectedAfterMs = Date.now() - lostAt;
    const drift = await driftRecords(run.config);
    expect(drift.map((d) => [d.kind, d.ticketId, d.department, d.action])).toEqual([
      ['DEPT_AHEAD', stuck, 'housing', 'FED_OBSERVATION'],
    ]);
    expect(await metric(fw.url, 'closeloop_drift_total{kind="DEPT_AHEAD",department="housing"}')).toBe(1);

    // Healed once: a second run finds nothing more, and the CRM got every version once.
    const again = await fw.worker.reconcileNow();
    expect(again.outcomes).toEqual([]);
    const tally = crmTally(run.crm);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    recordFault({ path: 'drift: department event lost', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);
});
