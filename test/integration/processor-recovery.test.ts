import { afterAll, describe, expect, it } from 'vitest';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { exited, jsonLines, nodeChild, type ChildRun } from '../support/child.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { Bridge, openedTickets, workedTickets } from '../support/domain.ts';
import { testMessaging } from '../support/kafka.ts';
import { awaitCount, feed, readCommitted, step, testConfig, testProcessor } from '../support/processor.ts';

const messaging = testMessaging();
const cleanup = cleanupAfter('all');
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

const key = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;
const sorted = (xs: readonly TicketStatusChange[]) => xs.map(key).sort();

interface LogLine {
  readonly msg?: string;
  readonly tickets?: number;
}

/** `src/processor/main.ts` in a process of its own, killed at teardown if still running. */
function runProcessor(configFile: string, env: Record<string, string>): ChildRun {
  return nodeChild(['src/processor/main.ts', '--config', configFile], {
    env: { ...env, LOG_LEVEL: 'info' },
    onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
  });
}

describe('lifecycle processor recovery', () => {
  it('yields each status change exactly once across a SIGKILL between processing and commit', async () => {
    const { config, file } = await testConfig(3);
    const expected = new Bridge(config.policy);
    // Department events can only follow the routing of their ticket, so they come in a second
    // step; the crash hits the first.
    const first = openedTickets('K', 40);
    for (const e of first) expected.send(e);
    await feed(config, messaging, first);

    const crashed = await exited(
      runProcessor(file, { CLOSELOOP_FAULT_KILL_BEFORE_COMMIT: '3' }),
      'the processor set to crash before commit 3',
    );
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stderr).toContain('fault injection: SIGKILL before commit 3');

    const restarted = runProcessor(file, {});
    await awaitCount(messaging, config.topics.status, expected.statuses.length, 90_000);
    await step(config, messaging, expected, workedTickets('K', 40), 90_000);
    restarted.child.kill('SIGTERM');
    const run = await exited(restarted, 'the restarted processor after SIGTERM', 60_000);
    expect(run.code).toBe(0);
    // Two transactions committed before the crash, so the restart found state to restore.
    const restores = jsonLines<LogLine>(run.stdout).filter((l) => l.msg === 'partitions assigned; state restored');
    expect(restores.reduce((n, l) => n + (l.tickets ?? 0), 0)).toBeGreaterThan(0);

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(sorted(values)).toEqual(sorted(expected.statuses));
    expect(new Set(values.map(key)).size).toBe(values.length);
  }, 240_000);

  it('splits partitions between two instances and loses nothing across the rebalance', async () => {
    const { config } = await testConfig(4);
    const expected = new Bridge(config.policy);
    const one = testProcessor(config, testMessaging());
    running.push(one);
    await one.start();
    await step(config, messaging, expected, openedTickets('A', 30));
    await step(config, messaging, expected, workedTickets('A', 30));

    const two = testProcessor(config, testMessaging());
    running.push(two);
    const split = Promise.all([one.nextAssignment(), two.nextAssignment()]);
    await two.start();
    const [ownedByOne, ownedByTwo] = await split;
    expect(ownedByOne.length).toBeGreaterThan(0);
    expect(ownedByTwo.length).toBeGreaterThan(0);
    expect([...ownedByOne, ...ownedByTwo].sort()).toEqual([0, 1, 2, 3]);
    // Both restored, from the changelog, the state of the 30 tickets written before the rebalance.
    const held = () => [...one.ticketsInState().values(), ...two.ticketsInState().values()].reduce((a, b) => a + b, 0);
    expect(held()).toBe(30);

    await step(config, messaging, expected, openedTickets('B', 30), 90_000);
    await step(config, messaging, expected, workedTickets('B', 30), 90_000);
    expect(held()).toBe(60);

    await Promise.all([one.stop(), two.stop()]);
    running.length = 0;
    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(sorted(values)).toEqual(sorted(expected.statuses));
  }, 180_000);
});
