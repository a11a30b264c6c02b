import { describe, expect, it } from 'vitest';
import { runHealth } from '../../../src/cli/health-command.ts';
import { bridgeRun, crmHistoryProblems, crmTally, statusDeadLetters, TOKENS } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { alarmed, detectedAfter, openTickets, readiness, says, startFaultWorker } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('fault: the CRM refuses the bridge credentials (401)', () => {
  it('pauses the CRM connector with an alarm, dead-letters nothing, and resumes once the token works again', async () => {
    const run = await bridgeRun({ behaviour: { holdRate: 0.3 } });
    cleanup.push(() => run.stop());
    const fw = await startFaultWorker(run.config);
    cleanup.push(() => fw.stop());
    openTickets(run, 10);
    run.work();
    await until('the first updates', () => run.crm.applied.length >= 5, 60_000);

    const since = Date.now();
    run.crm.rotateToken('rotated-by-the-crm-admins');
    openTickets(run, 4);
    const detected = await detectedAfter('credentials', since, () =>
      alarmed(
        fw.url,
        'crm-rest sink paused: credentials',
        'closeloop_paused{runner="crm-rest-sink",reason="credentials"}',
      ),
    );
    await untilAsync('the source to pause too', async () =>
      (await readiness(fw.url)).reasons.some((r) => says(r, 'crm-rest source paused: credentials')),
    );
    const printed: string[] = [];
    const port = Number(new URL(fw.url).port);
    const config = { ...run.config, http: { host: '127.0.0.1', port } };
    expect(
      await runHealth(
        config,
        (l) => printed.push(l),
        (l) => printed.push(l),
      ),
    ).toBe(1);
    // With what the refusal and the health probe said (HTTP 401), never the token.
    expect(printed.some((l) => says(l, '  crm-rest sink paused: credentials'))).toBe(true);
    expect(printed.join('\n')).toContain('401');
    const alarm = fw.logs.find((l) => l['code'] === 'CL_CONNECTOR_UNAUTHORIZED' && l['level'] === 50);
    expect(alarm).toMatchObject({ connector: 'crm-rest', reason: 'credentials' });
    expect(fw.raw.join('\n')).not.toContain(TOKENS.CRM_API_TOKEN);
    expect(await statusDeadLetters(testMessaging(), run.config)).toBe(0);

    run.crm.rotateToken(TOKENS.CRM_API_TOKEN);
    await untilAsync('ready again', async () => (await readiness(fw.url)).status === 200, 30_000);
    const recovered = await until('every ticket closed and all work done', () => run.done(), 120_000).then(
      () => true,
      () => false,
    );
    const { lost, duplicated } = crmTally(run.crm);
    recordFault({ path: '5 credentials (401)', detectedAfterMs: detected, recovered, lost, duplicated });
    expect(recovered).toBe(true);
    expect(crmHistoryProblems(run.crm)).toEqual([]);
    expect(run.crm.tickets.size).toBe(14);
    expect(await statusDeadLetters(testMessaging(), run.config)).toBe(0);
    expect(fw.worker.status().sinks['crm-rest']?.deadLettered).toBe(0);
  }, 240_000);
});
