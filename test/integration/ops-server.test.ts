import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { PosseSimulator } from '../../connectors/posse/simulator.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { OpsServer } from '../../src/observability/ops-server.ts';
import { Worker } from '../../src/worker/worker.ts';
import { testMessaging } from '../support/kafka.ts';
import { testConfig } from '../support/processor.ts';
import { until, untilAsync } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

function metric(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('worker metrics, health and admin endpoints', () => {
  it('serves Prometheus metrics and health without PII, and pauses a connector only with the admin token', async () => {
    const crm = new CrmSimulator({ token: 'c' });
    const posse = new PosseSimulator({ token: 'p', behaviour: { closeOnAssignRate: 1 } });
    const [crmUrl, posseUrl] = await Promise.all([crm.start(), posse.start()]);
    cleanup.push(
      () => crm.stop(),
      () => posse.stop(),
    );
    const { config: base } = await testConfig(2);
    const config = {
      ...base,
      connectors: [
        {
          name: 'crm-rest',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: crmUrl, jurisdiction: 'testville' },
        },
        {
          name: 'posse',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: posseUrl, jurisdiction: 'testville', departments: ['housing'] },
        },
      ],
    };
    const worker = new Worker({
      config,
      logger: createLogger({ level: 'silent' }),
      messaging: testMessaging(),
      env: { CRM_API_TOKEN: 'c', POSSE_API_TOKEN: 'p' },
    });
    await worker.start();
    cleanup.push(() => worker.stop());
    const ops = new OpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: worker.metrics,
      adminToken: 'admin-secret',
      readiness: () => worker.readiness(),
      beforeScrape: () => worker.refreshGauges(),
      pause: (n) => worker.pause(n),
      resume: (n) => worker.resume(n),
    });
    const url = await ops.start();
    cleanup.push(() => ops.stop());

    for (let i = 0; i < 3; i += 1) {
      crm.createTicket({
        serviceCode: 'GRASS',
        contact: { name: 'Grace Hopper', email: 'grace@example.org', phone: null },
      });
    }
    await until('three jobs', () => posse.jobs.size === 3);
    await until(
      'all work done and reported',
      () => {
        posse.tick();
        return [...crm.tickets.values()].every((t) => t.status === 'closed');
      },
      60_000,
    );

    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    await untilAsync('readiness', async () => (await worker.readiness()).ready);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', reasons: [], broker: 'up', registry: 'up' });

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(metric(text, 'closeloop_records_processed_total')).toBeGreaterThan(0);
    expect(metric(text, 'closeloop_status_changes_total')).toBeGreaterThan(0);
    expect(metric(text, 'closeloop_delivery_seconds_count{connector="crm-rest"}')).toBeGreaterThan(0);
    // A record's wait is observed as its delivery starts, so never fewer waits than deliveries timed.
    expect(metric(text, 'closeloop_sink_wait_seconds_count{connector="crm-rest"}')).toBeGreaterThanOrEqual(
      metric(text, 'closeloop_delivery_seconds_count{connector="crm-rest"}'),
    );
    expect(text).toContain('# TYPE closeloop_sink_slot_wait_seconds histogram');
    expect(metric(text, 'closeloop_premature_closes_blocked_total{department="housing"}')).toBe(3);
    expect(metric(text, 'closeloop_quarantine_total{kind="PREMATURE_CLOSE"}')).toBe(3);
    expect(text).toContain('closeloop_consumer_lag{group=');
    expect(text).toContain('closeloop_paused{runner="crm-rest-sink",reason="unavailable"} 0');
    expect(text).toContain('closeloop_broker_up 1');
    expect(text).toContain('closeloop_schema_registry_up 1');
    for (const secret of ['SR-0000', 'Grace', 'grace@example.org', 'admin-secret']) expect(text).not.toContain(secret);

    const pause = (token?: string) =>
      fetch(`${url}/admin/connectors/crm-rest/pause`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await pause()).status).toBe(401);
    expect((await pause('wrong')).status).toBe(401);
    const first = await pause('admin-secret');
    expect([first.status, await first.json()]).toEqual([
      200,
      { connector: 'crm-rest', action: 'pause', changed: true },
    ]);
    // A repeat says it changed nothing: the connector was paused already.
    expect(await (await pause('admin-secret')).json()).toEqual({
      connector: 'crm-rest',
      action: 'pause',
      changed: false,
    });
    await until('the CRM source to pause', () => worker.status().sources['crm-rest']?.pausedBy === 'operator');
    const paused = await fetch(`${url}/health/ready`);
    expect(paused.status).toBe(503);
    expect(await paused.json()).toMatchObject({
      reasons: expect.arrayContaining(['crm-rest source paused: operator', 'crm-rest sink paused: operator']),
    });
    const pausedText = await (await fetch(`${url}/metrics`)).text();
    expect(pausedText).toContain('closeloop_paused{runner="crm-rest-source",reason="operator"} 1');
    const resume = await fetch(`${url}/admin/connectors/crm-rest/resume`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-secret' },
    });
    expect([resume.status, await resume.json()]).toEqual([
      200,
      { connector: 'crm-rest', action: 'resume', changed: true },
    ]);
    await untilAsync('ready again after the resume', async () => (await fetch(`${url}/health/ready`)).status === 200);
    const unknown = await fetch(`${url}/admin/connectors/nope/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-secret' },
    });
    expect(unknown.status).toBe(404);

    const closed = new OpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: worker.metrics,
      readiness: () => worker.readiness(),
      pause: () => true,
      resume: () => true,
    });
    const closedUrl = await closed.start();
    expect((await fetch(`${closedUrl}/admin/connectors/crm-rest/pause`, { method: 'POST' })).status).toBe(403);
    await closed.stop();
  }, 120_000);
});
