import { afterAll, describe, expect, it, vi } from 'vitest';
import { runReconcile } from '../../../src/cli/reconcile-command.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { TOKENS } from '../../support/bridge-run.ts';
import { until } from '../../support/wait.ts';
import { reconcilingRun } from '../../support/drift.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');
afterAll(() => vi.unstubAllEnvs());

describe('drift: the CRM and the department are down', () => {
  it('judges nothing, and the command says so and exits 1, not 0 as if nothing were left', async () => {
    const { run } = await reconcilingRun(cleanup, 2);
    await until('two jobs in the department', () => run.posse.jobs.size === 2, 60_000);
    await until(
      'both routed in the CRM',
      () => run.crm.tickets.size === 2 && [...run.crm.tickets.values()].every((t) => t.lifecycleState !== 'NEW'),
      60_000,
    );
    // Both systems stop answering: every lookup fails and every health check says down.
    await run.stop();

    for (const [k, v] of Object.entries(TOKENS)) vi.stubEnv(k, v);
    const lines: string[] = [];
    const code = await runReconcile(
      { dryRun: true, rate: '50' },
      run.config,
      createLogger({ level: 'silent' }),
      (l) => lines.push(l),
      (l) => lines.push(l),
    );
    expect(code).toBe(1);
    expect(lines.find((l) => l.startsWith('run '))).toMatch(/: 2 ticket\(s\) checked in \d+ ms .*, 0 finding\(s\), /);
    expect(lines.at(-1)).toMatch(/^[1-9]\d* lookup\(s\) unanswered: those items were not judged this run/);
  });
});
