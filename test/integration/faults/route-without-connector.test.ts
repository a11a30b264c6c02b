import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { exited, nodeChild, untilRunning, type ChildRun } from '../../support/child.ts';
import { bridgeRun, crmTally, TOKENS } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

/**
 * A worker in a process of its own, killed at teardown if still running. Its warnings and errors
 * are kept, so a run that stands still says why.
 */
function runWorker(file: string): ChildRun {
  return nodeChild(['src/cli/main.ts', 'run', '--config', file], {
    env: { ...TOKENS, LOG_LEVEL: 'warn' },
    onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
  });
}

describe('fault path 2: a route to a system with no connector', () => {
  it('is refused at start-up with every such route named, before joining any group; fixed, tickets flow', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const yaml = parse(await readFile(run.file, 'utf8')) as { routing: { services: Record<string, unknown> } };
    yaml.routing.services['POTHOLE'] = [{ department: 'transportation', system: 'maximo' }];
    yaml.routing.services['WATER'] = [{ department: 'public-works', system: 'sap-pm' }];
    const bad = run.file.replace(/\.yaml$/, '.no-connector.yaml');
    await writeFile(bad, stringify(yaml));

    const started = Date.now();
    const refused = await exited(runWorker(bad), 'the worker with routes no connector serves');
    expect(refused.code).toBe(1);
    const detectedAfterMs = Date.now() - started;
    expect(refused.stderr).toContain('routing.services.POTHOLE: no connector sink serves transportation on maximo');
    expect(refused.stderr).toContain('routing.services.WATER: no connector sink serves public-works on sap-pm');

    // The shipped shape (every route served) runs, and tickets close.
    const worker = runWorker(run.file);
    for (let i = 0; i < 3; i += 1) {
      run.crm.createTicket({ serviceCode: 'GRASS', contact: { name: 'A Resident', email: null, phone: null } });
    }
    run.work();
    await untilRunning(worker, 'every ticket closed', () => run.done(), 120_000);
    worker.child.kill('SIGTERM');
    await exited(worker, 'the worker after SIGTERM', 60_000);
    const tally = crmTally(run.crm);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    // Nothing was sent to the CRM twice either.
    expect(run.crm.repeatedUpdates).toBe(0);
    recordFault({ path: '2 route without connector', detectedAfterMs, recovered: run.done(), ...tally });
  }, 180_000);
});
