import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import { HEALTH_EXIT, runHealth } from '../../src/cli/health-command.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { exited, nodeChild } from '../support/child.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { crm, openedTickets } from '../support/domain.ts';
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
      sentinel: {
        stateLimitsMinutes: { ROUTED: 0.01 },
        statusUnconfirmedMinutes: 'off',
        workOrderSilenceMinutes: 'off',
      },
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

  it('exits at once, 143, on a second SIGTERM while its stop waits (here on a client stalled in a request)', async () => {
    const [port] = await freePorts(1);
    const setup = await testConfig(1, 30, { http: { host: '127.0.0.1', port: port ?? 0 } });
    const run = nodeChild(['src/processor/main.ts', '--config', setup.file], {
      env: { LOG_LEVEL: 'info' },
      onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
    });
    await untilAsync(
      'the processor listening on its ops port',
      async () => run.tail().includes('"msg":"processor running"'),
      60_000,
    );
    // A scraper that sent half a request: the ops server's stop gives it a grace before ending it.
    const stalled = connect(port ?? 0, '127.0.0.1');
    cleanup.push(async () => void stalled.destroy());
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    run.child.kill('SIGTERM');
    await untilAsync('the processor stopping', async () => run.tail().includes('"msg":"stopping"'), 10_000);
    run.child.kill('SIGTERM');
    const end = await exited(run, 'the processor after a second SIGTERM', 30_000);
    expect(end.code).toBe(143);
    expect(end.stdout).toContain('"msg":"signalled again while stopping: exiting now"');
  }, 120_000);

  it('raises RECORDS_SKIPPED for input records retention deleted before it read them: readiness, the alerts topic and `closeloop health`', async () => {
    const [port] = await freePorts(1);
    const setup = await testConfig(1, 30, { http: { host: '127.0.0.1', port: port ?? 0 } });
    const { config } = setup;
    const crmTopic = config.topics.crmEvents;
    const url = `http://127.0.0.1:${port}`;
    const start = () =>
      nodeChild(['src/processor/main.ts', '--config', setup.file], {
        env: { LOG_LEVEL: 'info' },
        onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')),
      });
    const ready = async (): Promise<{ status: number; body: ReadyBody } | null> => {
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
        return { status: res.status, body: (await res.json()) as ReadyBody };
      } catch {
        return null;
      }
    };
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const committed = async () => (await admin.groupOffsets(config.processor.groupId, crmTopic))[0]?.offset;
    const opened = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => crm(`SKIP-${from + i}`, 'OPENED', 1, { serviceCode: 'GRASS' }));

    let run = start();
    await untilAsync('the processor ready', async () => (await ready())?.status === 200, 60_000);
    await feed(config, messaging, opened(0, 3));
    await untilAsync('three CRM events read', async () => (await committed()) === '3', 60_000);
    run.child.kill('SIGTERM');
    expect((await exited(run, 'the processor after SIGTERM', 60_000)).code).toBe(0);
    // The processor is away while ten more tickets open, and retention takes offsets below 8.
    await feed(config, messaging, opened(3, 13));
    await admin.deleteRecords(crmTopic, 0, '8');

    run = start();
    await untilAsync('the events still there read', async () => (await committed()) === '13', 60_000);
    const alertId = `processor|RECORDS_SKIPPED|${crmTopic}/0@3`;
    const reason = `processor records skipped: offsets 3-7 (5) of ${crmTopic}/0 deleted before they were read (log start 8); read on from 8 (alert ${alertId}; acknowledge with closeloop alerts ack once dealt with)`;
    await untilAsync('readiness to name the skip', async () => (await ready())?.body.reasons.includes(reason) === true);
    expect((await ready())?.status).toBe(503);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('closeloop_records_skipped_unacknowledged{consumer="processor"} 1');

    const listed = async () => {
      const out: string[] = [];
      const code = await runAlerts(
        'list',
        config,
        createLogger({ level: 'silent' }),
        (l) => out.push(l),
        (l) => out.push(l),
      );
      return { code, skipped: out.filter((l) => l.includes('RECORDS_SKIPPED')) };
    };
    await untilAsync('the alert on the alerts topic', async () => (await listed()).skipped.length === 1, 30_000);
    expect((await listed()).skipped[0]).toContain(`311 service desk  processor: offsets 3-7 (5) of ${crmTopic}/0`);

    const out: string[] = [];
    const code = await runHealth(
      config,
      (l) => out.push(l),
      (l) => out.push(l),
    );
    expect(code).toBe(HEALTH_EXIT.notReady);
    expect(out).toContain(`  ${reason}`);

    run.child.kill('SIGTERM');
    expect((await exited(run, 'the processor after SIGTERM', 60_000)).code).toBe(0);
  }, 180_000);
});
