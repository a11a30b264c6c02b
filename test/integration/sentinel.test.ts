import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import { HEALTH_EXIT, runHealth, topicAlerts } from '../../src/cli/health-command.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { openAlerts } from '../../src/ops/index.ts';
import { bridgeRun, crmTally } from '../support/bridge-run.ts';
import { recordFault } from '../support/fault-report.ts';
import { metric, openTickets, startFaultWorker } from '../support/fault-worker.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { until, untilAsync } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('the stuck-ticket sentinel on the whole bridge', () => {
  it('alerts on tickets a department never acknowledges, naming it and its service owner, and clears them when it does', async () => {
    // Limits of about a second, so the test waits on the sentinel and not on the clock.
    const run = await bridgeRun({
      config: {
        roles: true,
        sentinel: {
          stateLimitsMinutes: { ROUTED: 0.02 },
          statusUnconfirmedMinutes: 0.05,
          workOrderSilenceMinutes: 'off',
        },
      },
    });
    cleanup.push(() => run.stop());
    const fw = await startFaultWorker(run.config);
    cleanup.push(() => fw.stop());
    const { processor } = fw.worker;
    openTickets(run, 3);
    await until(
      'every ticket routed in the CRM',
      () => [...run.crm.tickets.values()].every((t) => t.lifecycleState === 'ROUTED'),
      60_000,
    );
    const routedAt = Date.now();

    // Nobody in the department works (the simulator is not ticked): each ticket stays ROUTED.
    const series = 'closeloop_stuck_tickets{reason="STUCK_ROUTED",department="housing"}';
    await untilAsync(
      'three stuck tickets',
      async () => (await processor.checkTimersNow(), (await metric(fw.url, series)) === 3),
      30_000,
    );
    const detectedAfterMs = Date.now() - routedAt;
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const admin = testMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const open = await openAlerts(testMessaging(), admin, serde, run.config.topics.alerts);
    expect(open.map((a) => [a.reason, a.department, a.accountable]).sort()).toEqual(
      Array(3).fill([
        'STUCK_ROUTED',
        'housing',
        'service owner housing Service Owner <housing-311-service-owner@city.example>',
      ]),
    );
    expect(new Set(open.map((a) => a.ticketId))).toEqual(new Set(run.crm.tickets.keys()));
    // The CRM sink's receipts confirmed every status: nothing is unconfirmed.
    expect(open.filter((a) => a.reason === 'STATUS_UNCONFIRMED')).toEqual([]);
    const lines: string[] = [];
    expect(
      await runAlerts(
        'list',
        run.config,
        createLogger({ level: 'silent' }),
        (l) => lines.push(l),
        () => undefined,
      ),
    ).toBe(1);
    expect(lines.at(-1)).toBe('3 open alert(s)');
    expect(
      lines.filter((l) => l.includes('STUCK_ROUTED  SR-') && l.includes('housing-311-service-owner@city.example')),
    ).toHaveLength(3);

    // Readiness and `closeloop health` name them too, with who answers for them, and stay ready:
    // a load balancer taking the worker away would not move a ticket.
    const owner = 'service owner housing Service Owner <housing-311-service-owner@city.example>';
    const answer = await fetch(`${fw.url}/health/ready`);
    const body = (await answer.json()) as { alerts: Record<string, unknown> };
    expect(body.alerts).toMatchObject({ open: 3, byReason: { STUCK_ROUTED: 3 } });
    const oldest = body.alerts['oldest'] as { ticketId: string; department: string; accountable: string }[];
    expect(new Set(oldest.map((a) => a.ticketId))).toEqual(new Set(run.crm.tickets.keys()));
    expect(oldest.map((a) => [a.department, a.accountable])).toEqual(Array(3).fill(['housing', owner]));
    const asHealth = { ...run.config, http: { host: '127.0.0.1', port: Number(new URL(fw.url).port) } };
    const health = async () => {
      const out: string[] = [];
      // As the command runs it: the stuck tickets read from the alerts topic, every partition's.
      const code = await runHealth(
        asHealth,
        (l) => out.push(l),
        (l) => out.push(l),
        5_000,
        'worker',
        topicAlerts(asHealth, createLogger({ level: 'silent' })),
      );
      return { code, out };
    };
    // Exit 3 is "ready, but alerts are open" (waited on: a broker check that timed out reads not ready).
    let stuck: { code: number; out: string[] } = { code: -1, out: [] };
    await untilAsync('closeloop health ready with alerts open', async () => {
      stuck = await health();
      return stuck.code === HEALTH_EXIT.alertsOpen;
    });
    expect(stuck.out.slice(0, 2)).toEqual([
      'ready',
      expect.stringMatching(/^3 stuck-ticket alert\(s\) open \(STUCK_ROUTED 3\) as of \S+ on (\S+); the oldest:$/),
    ]);
    // Read from the alerts topic, every partition's, not the worker's own count.
    expect(stuck.out[1]?.endsWith(` on ${run.config.topics.alerts}; the oldest:`)).toBe(true);
    expect(stuck.out.filter((l) => /^ {2}SR-\S+ STUCK_ROUTED: housing, service owner housing /.test(l))).toHaveLength(
      3,
    );

    // An alerts topic that does not exist is said as such, and the worker's own count is printed instead.
    const astray = { ...asHealth, topics: { ...asHealth.topics, alerts: `${asHealth.topics.alerts}-astray` } };
    const said: string[] = [];
    const quiet = createLogger({ level: 'silent' });
    await runHealth(
      astray,
      (l) => said.push(l),
      (l) => said.push(l),
      5_000,
      'worker',
      topicAlerts(astray, quiet),
    );
    expect(said).toContain(
      `  (${astray.topics.alerts} could not be read: topic(s) ${astray.topics.alerts} do not exist: check topics ` +
        "in the config, or start the processor once to create them; the worker's own count follows)",
    );

    // The department gets to work: each ticket moves, and its alert clears with the move.
    run.work();
    await until('every ticket closed and all work done', () => run.done(), 120_000);
    await untilAsync(
      'no alert open',
      async () => (await openAlerts(testMessaging(), admin, serde, run.config.topics.alerts)).length === 0,
      30_000,
    );
    await processor.checkTimersNow();
    expect(await metric(fw.url, series)).toBe(null);
    // Waited on, as below: on a busy machine a broker check may time out now and then.
    await untilAsync('closeloop health ready, naming no alert', async () => {
      const { code, out } = await health();
      return code === HEALTH_EXIT.ready && out.join('\n') === 'ready';
    });
    const tally = crmTally(run.crm);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    // Nothing was sent to the CRM twice either.
    expect(run.crm.repeatedUpdates).toBe(0);
    recordFault({ path: 'sentinel: department never acknowledges', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);
});
