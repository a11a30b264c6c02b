import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runHealth } from '../../../src/cli/health-command.ts';
import { exited, nodeChild, type ChildRun } from '../../support/child.ts';
import { bridgeRun, crmHistoryProblems, crmTally, TOKENS } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { openTickets } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { freePorts } from '../../support/ports.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');
const freePort = async () => (await freePorts(1))[0] ?? 0;

/** The CLI in a process of its own, killed at teardown if still running. */
function cli(args: string[]): ChildRun {
  return nodeChild(['src/cli/main.ts', ...args], {
    env: { ...TOKENS, LOG_LEVEL: 'warn' },
    onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
  });
}

describe('fault: the ops port is taken', () => {
  it('refuses to start before joining any group, naming host:port, and runs once the port is free', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    const file = run.file.replace(/\.yaml$/, '.ops.yaml');
    const yaml = parse(await readFile(run.file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, stringify({ ...yaml, http: { host: '127.0.0.1', port } }));

    const since = Date.now();
    const refused = await exited(cli(['run', '--config', file]), 'the worker refused for the taken port');
    const detected = Date.now() - since;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`127.0.0.1:${port}`);
    expect(refused.stderr).toContain('in use');
    // Nothing was provisioned: the worker never started, so it never took partitions either.
    const admin = testMessaging().admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(run.config.topics.status);
    await admin.disconnect();
    expect((await exited(cli(['health', '--config', file]), 'health with no worker')).code).toBe(2);

    await new Promise((resolve) => squatter.close(resolve));
    const worker = cli(['run', '--config', file]);
    const config = { ...run.config, http: { host: '127.0.0.1', port } };
    // The last answer is kept, so a worker that never gets ready says why.
    let said: string[] = [];
    const heard = (l: string) => void said.push(l);
    await untilAsync(
      'the worker ready',
      async () => {
        said = [];
        return (await runHealth(config, heard, heard)) === 0;
      },
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last health: ${said.join(' | ')}`);
    });
    const health = await exited(cli(['health', '--config', file]), 'health of the ready worker');
    expect(health).toMatchObject({ code: 0, stdout: 'ready\n' });
    openTickets(run, 6);
    run.work();
    const recovered = await until('every ticket closed and all work done', () => run.done(), 120_000).then(
      () => true,
      () => false,
    );
    worker.child.kill('SIGTERM');
    expect((await exited(worker, 'the worker after SIGTERM', 60_000)).code).toBe(0);
    const { lost, duplicated } = crmTally(run.crm);
    recordFault({ path: '7 ops port taken', detectedAfterMs: detected, recovered, lost, duplicated });
    expect(detected).toBeLessThan(20_000);
    expect(recovered).toBe(true);
    expect(crmHistoryProblems(run.crm)).toEqual([]);
  }, 240_000);

  it('stops cleanly when SIGTERM comes while the worker is still starting', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const port = await freePort();
    const file = run.file.replace(/\.yaml$/, '.starting.yaml');
    const yaml = parse(await readFile(run.file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, stringify({ ...yaml, http: { host: '127.0.0.1', port } }));

    const worker = cli(['run', '--config', file]);
    // The ops port is bound before the worker starts: its first answer comes while it starts.
    let first: { code: number; reasons?: string[] } | undefined;
    await untilAsync(
      'the ops port answering',
      async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
        if (!answer) return false;
        first = { code: answer.status, reasons: ((await answer.json()) as { reasons?: string[] }).reasons };
        return true;
      },
      60_000,
    );
    worker.child.kill('SIGTERM');
    expect(first).toMatchObject({ code: 503, reasons: expect.arrayContaining(['worker starting']) as unknown });
    const ended = await exited(worker, 'the worker signalled while starting', 90_000);
    expect(ended).toMatchObject({ code: 0, signal: null });
  }, 180_000);
});
