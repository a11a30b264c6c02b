import { afterAll, describe, expect, it, vi } from 'vitest';
import { runReconcile } from '../../../src/cli/reconcile-command.ts';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { TOKENS, crmTally } from '../../support/bridge-run.ts';
import { costLine, driftRecords, lookupCalls, reconcilingRun } from '../../support/drift.ts';
import { recordFault } from '../../support/fault-report.ts';
import { metric, readiness } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { readCommitted } from '../../support/processor.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');
afterAll(() => vi.unstubAllEnvs());

describe('drift: a department job is deleted', () => {
  it('raises DEPT_MISSING (not healable): a dry run reports it, a run records it and counts it', async () => {
    const { run, fw } = await reconcilingRun(cleanup, 2);
    await until('two jobs in the department', () => run.posse.jobs.size === 2, 60_000);
    run.posse.tick();
    run.posse.tick();
    await until(
      'both accepted in the CRM',
      () => [...run.crm.tickets.values()].every((t) => t.lifecycleState === 'ACCEPTED'),
      60_000,
    );
    const [job] = run.posse.jobs.values();
    if (!job) throw new Error('no job');
    run.posse.deleteJob(job.jobId);
    const deletedAt = Date.now();

    // The CLI, as an operator runs it: a dry run finds it, writes nothing, and exits 1.
    for (const [k, v] of Object.entries(TOKENS)) vi.stubEnv(k, v);
    const lines: string[] = [];
    const args = { dryRun: true, rate: '50' };
    const code = await runReconcile(
      args,
      run.config,
      createLogger({ level: 'silent' }),
      (l) => lines.push(l),
      (l) => lines.push(l),
    );
    expect(code).toBe(1);
    expect(lines.filter((l) => l.startsWith('DEPT_MISSING'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^DEPT_MISSING +${job.ticketId}  housing work order ${job.externalRef}: .* -> nothing done \\(dry run\\)$`,
        ),
      ),
    ]);
    expect(lines.at(-1)).toMatch(
      /: 2 ticket\(s\) checked in \d+ ms .*, 1 finding\(s\), .*; dry run: nothing healed or recorded$/,
    );
    expect(await driftRecords(run.config)).toEqual([]);
    // One ticket asked for: checked whatever its age; one the bridge does not hold is said so, not
    // reported as a clean run of nothing.
    const one = async (ticket: string) => {
      const out: string[] = [];
      const exit = await runReconcile(
        { ...args, ticket },
        run.config,
        createLogger({ level: 'silent' }),
        (l) => out.push(l),
        (l) => out.push(l),
      );
      return { exit, out };
    };
    const named = await one(job.ticketId);
    expect(named.exit).toBe(1);
    expect(named.out.filter((l) => l.startsWith('DEPT_MISSING')).length).toBe(1);
    expect(named.out.at(-1)).toMatch(/: 1 ticket\(s\) checked in /);
    const unknown = await one('NO-SUCH-TICKET');
    expect(unknown.exit).toBe(1);
    expect(unknown.out).toContain(
      'ticket NO-SUCH-TICKET was not checked: the bridge holds no ticket of that id: check the id, or wait until the processor has handled its first event',
    );
    expect(unknown.out.join('\n')).toMatch(/: 0 ticket\(s\) checked in /);

    const before = lookupCalls(run);
    const report = await fw.worker.reconcileNow();
    console.log(costLine('department job deleted', report, lookupCalls(run) - before));
    expect(report.outcomes.map((o) => [o.finding.kind, o.finding.workOrderId, o.action])).toEqual([
      ['DEPT_MISSING', job.externalRef, 'ALERTED'],
    ]);
    const detectedAfterMs = Date.now() - deletedAt;
    expect((await driftRecords(run.config)).map((d) => [d.kind, d.ticketId, d.department, d.action])).toEqual([
      ['DEPT_MISSING', job.ticketId, 'housing', 'ALERTED'],
    ]);
    expect(await metric(fw.url, 'closeloop_drift_total{kind="DEPT_MISSING",department="housing"}')).toBe(1);
    // Left for people is an alert: on the alerts topic (what `closeloop alerts list` reads), in
    // readiness (what `closeloop health` prints) and in a gauge, naming who answers for it.
    const alertId = `${job.ticketId}|DRIFT_UNHEALED|DEPT_MISSING:${job.externalRef}`;
    const alerts = await readCommitted<AlertRecord>(testMessaging(), run.config.topics.alerts);
    const raised = alerts.values.filter((a) => a.alertId === alertId);
    expect(raised.map((a) => [a.reason, a.status, a.ticketId, a.department])).toEqual([
      ['DRIFT_UNHEALED', 'RAISED', job.ticketId, 'housing'],
    ]);
    // The roles file's owner of housing, where it names one.
    const who = raised[0]?.accountable ?? 'no one named';
    const ready = await readiness(fw.url);
    expect(ready.status).toBe(503);
    expect(ready.reasons).toContain(
      `drift unhealed on ticket ${job.ticketId} (DEPT_MISSING:${job.externalRef}, housing): ${who} to act`,
    );
    expect(await metric(fw.url, 'closeloop_drift_unhealed')).toBe(1);

    // The other ticket is not held up; the one whose job is gone waits for people.
    run.work();
    await until(
      'the other ticket closed',
      () => [...run.crm.tickets.values()].filter((t) => t.status === 'closed').length === 1,
      120_000,
    );
    expect(run.crm.tickets.get(job.ticketId)?.status).toBe('open');
    const tally = crmTally(run.crm);
    // crmTally counts a ticket left open as one lost update; here it is open by design (nothing to heal).
    const lost = tally.lost - 1;
    expect({ lost, duplicated: tally.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    recordFault({
      path: 'drift: department job deleted',
      detectedAfterMs,
      recovered: false,
      lost,
      duplicated: tally.duplicated,
    });
  }, 240_000);
});
