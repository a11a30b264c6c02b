import { describe, expect, it } from 'vitest';
import { bridgeRun } from '../../support/bridge-run.ts';
import { driftRecords, lookupCalls } from '../../support/drift.ts';
import { metric, openTickets, startFaultWorker } from '../../support/fault-worker.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('drift: the worker reconciles on its schedule', () => {
  it('finds a deleted job with nobody asking, every reconcile.intervalMinutes', async () => {
    // Half a second, so the test waits on the schedule and not on the clock.
    const run = await bridgeRun({ config: { reconcile: { settleSeconds: 0, intervalMinutes: 0.01 } } });
    cleanup.push(() => run.stop());
    const fw = await startFaultWorker(run.config);
    cleanup.push(() => fw.stop());
    openTickets(run, 1);
    await until('a job in the department', () => run.posse.jobs.size === 1, 60_000);
    run.posse.tick();
    run.posse.tick();
    await until('accepted in the CRM', () => [...run.crm.tickets.values()][0]?.lifecycleState === 'ACCEPTED', 60_000);
    const [job] = run.posse.jobs.values();
    if (!job) throw new Error('no job');
    run.posse.deleteJob(job.jobId);

    const series = 'closeloop_drift_total{kind="DEPT_MISSING",department="housing"}';
    await untilAsync('DEPT_MISSING counted by a scheduled run', async () => ((await metric(fw.url, series)) ?? 0) >= 1);
    // Every later run finds it again (it is not healable), under the same drift id.
    await untilAsync('found again by the next run', async () => ((await metric(fw.url, series)) ?? 0) >= 2);
    const drift = await driftRecords(run.config);
    expect(drift.length).toBeGreaterThanOrEqual(2);
    expect(new Set(drift.map((d) => d.driftId))).toEqual(new Set([`DEPT_MISSING:${job.ticketId}:${job.externalRef}`]));
  }, 120_000);

  it('stops with the worker, leaving the tickets not yet checked to the next run', async () => {
    // One ticket every 100 s: waited out, the three tickets would hold the stop for minutes.
    const run = await bridgeRun({ config: { reconcile: { settleSeconds: 0, ratePerSecond: 0.01 } } });
    cleanup.push(() => run.stop());
    const fw = await startFaultWorker(run.config);
    cleanup.push(() => fw.stop());
    openTickets(run, 3);
    await until('three jobs in the department', () => run.posse.jobs.size === 3, 60_000);
    const before = lookupCalls(run);
    const going = fw.worker.reconcileNow();
    await until('the first ticket asked about', () => lookupCalls(run) > before, 30_000);
    const stopping = Date.now();
    await fw.worker.stop();
    expect(Date.now() - stopping).toBeLessThan(30_000);
    // A token per call: the first ticket's department lookup was still waiting for its token, so
    // the ticket is left unfinished, for the next run to begin with.
    expect(await going).toMatchObject({ stopped: true, checked: 0, stoppedBecause: 'stopped' });
  }, 120_000);
});
