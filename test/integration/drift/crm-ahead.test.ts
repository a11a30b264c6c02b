import { describe, expect, it } from 'vitest';
import { costLine, driftRecords, lookupCalls, tallySinceRestore, reconcilingRun } from '../../support/drift.ts';
import { recordFault } from '../../support/fault-report.ts';
import { metric } from '../../support/fault-worker.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('drift: the CRM holds status versions above the bridge', () => {
  it('finds the CRM ahead, sends the current status above its version, and the ticket moves and closes', async () => {
    const { run, fw } = await reconcilingRun(cleanup, 2);
    await until('two jobs in the department', () => run.posse.jobs.size === 2, 60_000);
    const crmTickets = () => [...run.crm.tickets.values()];
    run.posse.tick();
    run.posse.tick();
    await until('both accepted in the CRM', () => crmTickets().every((t) => t.lifecycleState === 'ACCEPTED'), 60_000);

    // The CRM holds three versions more of one ticket than the bridge knows it sent: what the
    // bridge's state restored from an older backup (or its changelog recreated) leaves behind.
    const backup = run.crm.snapshot();
    const [ahead, level] = backup.tickets;
    if (!ahead || !level) throw new Error('no tickets');
    const bridgeVersion = ahead.statusVersion;
    ahead.statusVersion += 3;
    const crmVersion = ahead.statusVersion;
    const backupVersions = new Map(backup.tickets.map((t) => [t.id, t.statusVersion]));
    const appliedBeforeRestore = run.crm.applied.length;
    run.crm.restoreBackup(backup);
    const aheadNow = () => run.crm.tickets.get(ahead.id);

    // The next status of that ticket is taken by the CRM as a repeat and dropped: it stops moving.
    const repeatsBefore = run.crm.repeatedUpdates;
    run.posse.tick();
    await until(
      'the other ticket assigned in the CRM',
      () => run.crm.tickets.get(level.id)?.lifecycleState === 'ASSIGNED',
      60_000,
    );
    await until('the drifted ticket taken as a repeat', () => run.crm.repeatedUpdates > repeatsBefore, 60_000);
    expect(aheadNow()).toMatchObject({ statusVersion: crmVersion, lifecycleState: 'ACCEPTED' });
    const dropped = run.crm.repeatedUpdates - repeatsBefore;
    expect(dropped).toBe(1);
    // Seen before any run: the sink counts a status the CRM holds a later version of.
    const heldNewer = 'closeloop_sink_held_newer_total{connector="crm-rest"}';
    await untilAsync('the drop counted', async () => (await metric(fw.url, heldNewer)) === 1);

    const driftedAt = Date.now();
    const before = lookupCalls(run);
    const report = await fw.worker.reconcileNow();
    console.log(costLine('CRM ahead of the bridge', report, lookupCalls(run) - before));
    expect(report.outcomes.map((o) => [o.finding.kind, o.finding.ticketId, o.action])).toEqual([
      ['CRM_AHEAD', ahead.id, 'RESEND_REQUESTED'],
    ]);
    expect(report.outcomes[0]?.finding).toMatchObject({ crmVersion, bridgeVersion: bridgeVersion + 1 });
    await until(
      "the CRM shows the bridge's current status above its version",
      () => (aheadNow()?.statusVersion ?? 0) > crmVersion && aheadNow()?.lifecycleState === 'ASSIGNED',
      60_000,
    );
    const detectedAfterMs = Date.now() - driftedAt;
    expect(aheadNow()?.statusVersion).toBe(crmVersion + 1);
    expect((await driftRecords(run.config)).map((d) => [d.kind, d.ticketId, d.department, d.action])).toEqual([
      ['CRM_AHEAD', ahead.id, 'housing', 'RESEND_REQUESTED'],
    ]);
    expect(await metric(fw.url, 'closeloop_drift_total{kind="CRM_AHEAD",department="housing"}')).toBe(1);
    expect((await fw.worker.reconcileNow()).outcomes).toEqual([]);

    // The work goes on: every later status is applied in order from the CRM's version, and both close.
    run.work();
    await until('every ticket closed and all work done', () => run.done(), 120_000);
    // The one status the CRM dropped as a repeat before the run is the drift itself, not a duplicate.
    const since = tallySinceRestore(run.crm, appliedBeforeRestore, backupVersions);
    const tally = { ...since, duplicated: since.duplicated - dropped };
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    recordFault({ path: 'drift: CRM ahead of the bridge', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);
});
