import { describe, expect, it } from 'vitest';
import { HEALTH_EXIT, runHealth } from '../../src/cli/health-command.ts';
import { exited, nodeChild } from '../support/child.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { openedTickets } from '../support/domain.ts';
import { testMessaging } from '../support/kafka.ts';
import { freePorts } from '../support/ports.ts';
import { feed, testConfig } from '../support/processor.ts';
import { untilAsync } from '../support/wait.ts';

const cleanup = cleanupAfter('all');

interface ReadyBody {
  readonly status: string;
  readonly reasons: string[];
  readonly runners: unknown[];
  readonly alerts: {
    readonly open: number;
    readonly byReason: Record<string, number>;
    readonly oldest: { ticketId: string; department: string; accountable: string }[];
  };
}

/** The sum of every series of a metric in an exposition. */
function sum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && !l.startsWith('#'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

describe('the lifecycle processor run alone (`npm run processor`)', () => {
  it('serves readiness, /metrics and `closeloop health` on the http port, with the stuck tickets it holds', async () => {
    const [port] = await freePorts(1);
    const setup = await testConfig(2, 30, {
      http: { host: '127.0.0.1', port: port ?? 0 },
      roles: true,
      // A ticket counts as stuck once ROUTED for 0.6 s, and the sweep looks every second.
      sentinel: { stateLimitsMinutes: { ROUTED: 0.01 }, statusUnconfirmedMinutes: null, workOrderSilenceMinutes: null },
      slaCheckIntervalMs: 1_000,
    });
    const run = nodeChild(['src/processor/main.ts', '--config', setup.file], {
      env: { LOG_LEVEL: 'info' },
      onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
    });
    const url = `http://127.0.0.1:${port}`;
    const ready = async (): Promise<{ status: number; body: ReadyBody } | null> => {
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
        return { status: res.status, body: (await res.json()) as ReadyBody };
      } catch {
        return null; // not listening yet
      }
    };
    await untilAsync(
      'the processor to answer ready on its ops port',
      async () => (await ready())?.status === 200,
      60_000,
    );

    // Nobody in the departments answers: every ticket stays ROUTED and is named stuck.
    const opened = openedTickets('A', 6);
    await feed(setup.config, testMessaging(), opened);
    let answer: { status: number; body: ReadyBody } | null = null;
    await untilAsync('readiness to show the 6 stuck tickets', async () => {
      answer = await ready();
      return answer?.body.alerts.open === 6;
    });
    const { status, body } = answer as unknown as { status: number; body: ReadyBody };
    expect([status, body.status, body.reasons, body.runners]).toEqual([200, 'ready', [], []]);
    expect(body.alerts.byReason).toEqual({ STUCK_ROUTED: 6 });
    expect(body.alerts.oldest).toHaveLength(5);
    for (const a of body.alerts.oldest)
      expect(a.accountable).toBe(
        `service owner ${a.department} Service Owner <${a.department}-311-service-owner@city.example>`,
      );

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sum(text, 'closeloop_stuck_tickets')).toBe(6);
    expect(sum(text, 'closeloop_tickets_in_state')).toBe(6);
    expect(sum(text, 'closeloop_records_processed_total')).toBeGreaterThanOrEqual(6);
    expect(text).toContain('closeloop_consumer_failing{consumer="processor"} 0');
    expect(text).toMatch(/^closeloop_broker_up 1$/m);
    expect(text).toMatch(new RegExp(`^closeloop_consumer_lag\\{group="${setup.config.processor.groupId}",`, 'm'));

    // `closeloop health` reaches it from the same config: ready, with the stuck tickets named.
    // (Waited on: on a busy machine a broker check may time out now and then, and read not ready.)
    let health = { code: -1, out: [] as string[] };
    await untilAsync('closeloop health to answer ready with alerts open', async () => {
      const out: string[] = [];
      const code = await runHealth(
        setup.config,
        (l) => out.push(l),
        (l) => out.push(l),
      );
      health = { code, out };
      return code === HEALTH_EXIT.alertsOpen;
    });
    const { out } = health;
    expect(out[0]).toBe('ready');
    expect(out[1]).toMatch(/^6 stuck-ticket alert\(s\) open \(STUCK_ROUTED 6\)/);
    expect(out.at(-1)).toBe('  and 1 more; closeloop alerts list prints every one');

    run.child.kill('SIGTERM');
    const end = await exited(run, 'the processor after SIGTERM', 60_000);
    expect(end.code).toBe(0);
    expect(end.stdout).toContain(`"ops":"http://127.0.0.1:${port}"`);
    // Its port is closed with it.
    expect(await ready()).toBeNull();
  }, 120_000);
});
