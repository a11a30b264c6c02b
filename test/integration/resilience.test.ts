import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Worker } from '../../src/worker/worker.ts';
import { loadStackConfig } from '../../stack/config.ts';
import { startKafka, stopKafka, waitForKafka } from '../../stack/kafka.ts';
import { stackDown } from '../../stack/stack.ts';
import { bridgeRun, crmHistoryProblems, statusDeadLetters, TOKENS } from '../support/bridge-run.ts';
import { exited, nodeChild, untilRunning, type ChildRun } from '../support/child.ts';
import { testMessaging } from '../support/kafka.ts';
import { freePorts } from '../support/ports.ts';
import { readCommitted } from '../support/processor.ts';
import { until } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const logger = createLogger({ level: 'silent' });

/** One line per scenario, for the record: how much went through and that nothing was lost. */
function report(name: string, run: Awaited<ReturnType<typeof bridgeRun>>, retries: number): void {
  // Lost: a version gap or repeat in the CRM's history, or a ticket that never got its closing status.
  const lost =
    crmHistoryProblems(run.crm).length + [...run.crm.tickets.values()].filter((t) => t.status !== 'closed').length;
  console.log(
    `[resilience] ${name}: ${run.crm.tickets.size} tickets, ${run.posse.changes.length} department events, ` +
      `${run.crm.applied.length} CRM updates, ${retries} retries, ${lost} lost`,
  );
}

function openTickets(run: Awaited<ReturnType<typeof bridgeRun>>, n: number): void {
  for (let i = 0; i < n; i += 1) {
    run.crm.createTicket({
      serviceCode: 'GRASS',
      contact: { name: 'A Resident', email: 'resident@example.org', phone: null },
    });
  }
}

describe('resilience of the whole bridge', () => {
  it('rides out a 30-second CRM outage: pauses, no dead letters, every update in order', async () => {
    const run = await bridgeRun({ behaviour: { holdRate: 0.3 } });
    cleanup.push(() => run.stop());
    const worker = new Worker({ config: run.config, logger, messaging: testMessaging(), env: TOKENS });
    await worker.start();
    cleanup.push(() => worker.stop());
    openTickets(run, 12);
    run.work();
    await until('the first updates', () => run.crm.applied.length >= 12, 60_000);
    const now = Date.now();
    run.crm.server.setFaults({ outages: [{ from: now, until: now + 30_000 }] });
    await until('the CRM sink to pause', () => worker.status().sinks['crm-rest']?.pausedBy === 'unavailable', 60_000);
    await until('every ticket closed and all work done', () => run.done(), 120_000);
    expect(crmHistoryProblems(run.crm)).toEqual([]);
    expect(await statusDeadLetters(testMessaging(), run.config)).toBe(0);
    report('CRM outage 30 s', run, worker.status().sinks['crm-rest']?.retries ?? 0);
  }, 240_000);

  it('applies every status exactly once across a SIGKILL of the worker mid-stream', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const start = (): ChildRun =>
      nodeChild(['src/cli/main.ts', 'run', '--config', run.file], {
        env: { ...TOKENS, LOG_LEVEL: 'warn' },
        onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
      });
    const first = start();
    openTickets(run, 15);
    run.work();
    await untilRunning(first, 'some updates', () => run.crm.applied.length >= 20, 90_000);
    first.child.kill('SIGKILL');
    expect((await exited(first, 'the worker after SIGKILL', 30_000)).signal).toBe('SIGKILL');
    const second = start();
    await untilRunning(second, 'every ticket closed and all work done', () => run.done(), 120_000);
    second.child.kill('SIGTERM');
    expect((await exited(second, 'the worker after SIGTERM', 60_000)).code).toBe(0);
    expect(crmHistoryProblems(run.crm)).toEqual([]);
    const { values } = await readCommitted<TicketStatusChange>(testMessaging(), run.config.topics.status);
    const keys = values.map((s) => `${s.ticketId}@${s.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(run.crm.applied.length);
    report('worker SIGKILL', run, 0);
  }, 240_000);

  it.runIf(inject('stackSource') === 'local-jvm')(
    'recovers by itself when the broker restarts under load, losing nothing',
    async () => {
      const main = loadStackConfig();
      const [kafka, controller, registry, management] = (await freePorts(4)).map(String);
      const cfg = loadStackConfig({
        ...process.env,
        CLOSELOOP_STACK_DIR: main.home,
        CLOSELOOP_STACK_RUN_DIR: path.join(main.home, 'broker-restart-test'),
        CLOSELOOP_KAFKA_PORT: kafka,
        CLOSELOOP_KAFKA_CONTROLLER_PORT: controller,
        CLOSELOOP_REGISTRY_PORT: registry,
        CLOSELOOP_REGISTRY_MANAGEMENT_PORT: management,
      });
      cleanup.push(() => stackDown(cfg, { purge: true }).then(() => undefined));
      await waitForKafka(cfg, await startKafka(cfg, () => undefined), 120_000);

      const run = await bridgeRun({ brokers: cfg.brokers });
      cleanup.push(() => run.stop());
      const worker = new Worker({ config: run.config, logger, env: TOKENS });
      await worker.start();
      cleanup.push(() => worker.stop());
      openTickets(run, 12);
      run.work();
      await until('some updates', () => run.crm.applied.length >= 15, 90_000);
      await stopKafka(cfg);
      openTickets(run, 6);
      await waitForKafka(cfg, await startKafka(cfg, () => undefined), 120_000);
      await until('every ticket closed and all work done', () => run.done(), 180_000).catch((err: unknown) => {
        const open = [...run.crm.tickets.values()].filter((t) => t.status !== 'closed');
        console.log(
          '[resilience] stuck after broker restart:',
          JSON.stringify({
            status: worker.status(),
            open: open.map((t) => `${t.id} ${t.lifecycleState} v${t.statusVersion}`),
            unfinishedJobs: [...run.posse.jobs.values()].filter((j) => !j.done).length,
            crmChanges: run.crm.changes.length,
            posseChanges: run.posse.changes.length,
          }),
        );
        throw err;
      });
      expect(crmHistoryProblems(run.crm)).toEqual([]);
      expect(run.crm.tickets.size).toBe(18);
      report('broker restart', run, worker.status().sinks['crm-rest']?.retries ?? 0);
    },
    360_000,
  );
});
