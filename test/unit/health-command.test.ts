import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runHealth, type AlertsReader, type HealthTarget } from '../../src/cli/health-command.ts';
import type { CloseloopConfig } from '../../src/config/index.ts';
import { BRIDGE_ORIGIN, type AlertReason, type AlertRecord } from '../../src/domain/index.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { alertAge } from '../../src/ops/index.ts';
import { OpsServer, type Readiness } from '../../src/observability/ops-server.ts';

const servers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function ops(readiness: Readiness, port = 0): Promise<{ port: number; server: OpsServer }> {
  const server = new OpsServer({
    host: '127.0.0.1',
    port,
    metrics: new Metrics({ defaults: false }),
    readiness: () => readiness,
    pause: () => true,
    resume: () => true,
  });
  const url = await server.start();
  servers.push(server);
  return { port: Number(new URL(url).port), server };
}

const configAt = (port: number) =>
  ({ http: { host: '127.0.0.1', port }, topics: { alerts: 'bridge.alerts.v1' } }) as CloseloopConfig;

async function health(
  config: CloseloopConfig,
  target: HealthTarget = 'worker',
  alerts?: AlertsReader,
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHealth(
    config,
    (l) => out.push(l),
    (l) => err.push(l),
    2_000,
    target,
    alerts,
  );
  return { code, out, err };
}

describe('closeloop health', () => {
  it('prints ready and exits 0 when the worker is ready', async () => {
    const { port } = await ops({ ready: true, detail: { reasons: [] } });
    expect(await health(configAt(port))).toEqual({ code: 0, out: ['ready'], err: [] });
  });

  it('says which sources stand by (another worker runs them) on a ready worker, still exiting 0', async () => {
    const runners = [
      { runner: 'crm-rest-source', state: 'standby', pausedBy: null },
      { runner: 'crm-rest-sink', state: 'running', pausedBy: null },
      { runner: 'posse-source', state: 'running', pausedBy: null },
    ];
    const { port } = await ops({ ready: true, detail: { reasons: [], runners } });
    expect(await health(configAt(port))).toEqual({
      code: 0,
      out: ['ready', '  crm-rest source: standby (another worker holds its lease and runs it)'],
      err: [],
    });
  });

  it('prints each reason on a line and exits 1 when it is not', async () => {
    const reasons = ['kafka broker unreachable', 'crm-rest sink paused: credentials'];
    const { port } = await ops({ ready: false, detail: { reasons } });
    const r = await health(configAt(port));
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['not ready', '  kafka broker unreachable', '  crm-rest sink paused: credentials']);
  });

  it('prints the stuck-ticket alerts open, oldest first, and exits 3 while ready, 1 while not', async () => {
    const alerts = {
      open: 7,
      byReason: { STUCK_ROUTED: 5, STUCK_NEW: 1, WORK_ORDER_SILENT: 1 },
      oldest: [
        {
          ticketId: 'SR-1',
          reason: 'STUCK_ROUTED',
          subject: null,
          department: 'housing',
          accountable: 'service owner Hana Owner <housing-311-owner@city.example>',
          since: '2026-05-04T13:00:00.000Z',
        },
        {
          ticketId: 'SR-2',
          reason: 'STUCK_NEW',
          subject: null,
          department: null,
          accountable: '311 service desk',
          since: '2026-05-04T13:05:00.000Z',
        },
        {
          ticketId: 'SR-3',
          reason: 'WORK_ORDER_SILENT',
          subject: 'SR-3#1',
          department: 'parks',
          accountable: null,
          since: '2026-05-04T13:06:00.000Z',
        },
      ],
      checkedAt: '2026-05-04T14:00:00.000Z',
    };
    const lines = [
      '7 stuck-ticket alert(s) open (STUCK_NEW 1, STUCK_ROUTED 5, WORK_ORDER_SILENT 1) as of 2026-05-04T14:00:00.000Z; the oldest:',
      '  SR-1 STUCK_ROUTED: housing, service owner Hana Owner <housing-311-owner@city.example>, since 2026-05-04T13:00:00.000Z (for 1 h 0 min)',
      '  SR-2 STUCK_NEW: 311, 311 service desk, since 2026-05-04T13:05:00.000Z (for 55 min)',
      '  SR-3 WORK_ORDER_SILENT SR-3#1: parks, no accountable role configured, since 2026-05-04T13:06:00.000Z (for 54 min)',
      '  and 4 more; closeloop alerts list prints every one',
    ];
    const ready = await ops({ ready: true, detail: { reasons: [], alerts } });
    expect(await health(configAt(ready.port))).toEqual({ code: 3, out: ['ready', ...lines], err: [] });
    const notReady = await ops({ ready: false, detail: { reasons: ['kafka broker unreachable'], alerts } });
    expect(await health(configAt(notReady.port))).toEqual({
      code: 1,
      out: ['not ready', '  kafka broker unreachable', ...lines],
      err: [],
    });
    // None open: ready is ready.
    const none = await ops({ ready: true, detail: { reasons: [], alerts: { ...alerts, open: 0, oldest: [] } } });
    expect(await health(configAt(none.port))).toEqual({ code: 0, out: ['ready'], err: [] });
  });

  it("counts the stuck tickets of every partition from the alerts topic, not only the worker's own", async () => {
    const alert = (id: string, reason: AlertReason, since: number, department: string | null): AlertRecord => ({
      envelope: {
        eventId: `${id}|raised`,
        jurisdiction: 'testville',
        source: 'closeloop-processor',
        sequence: null,
        occurredAt: since,
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId: id,
      reason,
      status: 'RAISED',
      ticketId: id.split('|')[0] === 'crm-rest' ? null : (id.split('|')[0] ?? null),
      connector: null,
      department,
      accountable: department === null ? '311 service desk' : `owner of ${department}`,
      since,
      detail: 'held',
    });
    const t = Date.parse('2026-05-04T13:00:00.000Z');
    // As openAlerts returns them, oldest first: two stuck tickets on the other process's
    // partitions, and alerts that are not about a stuck ticket.
    const onTopic = [
      alert('SR-2|STUCK_ROUTED|', 'STUCK_ROUTED', t, 'housing'),
      alert('crm-rest|CONNECTOR_SILENT|', 'CONNECTOR_SILENT', t + 1, null),
      alert('SR-5|DELIVERY_EXHAUSTED|v1', 'DELIVERY_EXHAUSTED', t + 2, null),
      alert('SR-5|WORK_ORDER_SILENT|SR-5#1', 'WORK_ORDER_SILENT', t + 3, 'parks'),
    ];
    // This process owns partition 0, whose tickets have none open.
    const own = { open: 0, byReason: {}, oldest: [], checkedAt: '2026-05-04T14:00:00.000Z', partitions: [0] };
    const { port } = await ops({ ready: true, detail: { reasons: [], alerts: own } });
    const r = await health(configAt(port), 'worker', () => Promise.resolve(onTopic));
    expect(r.code).toBe(3);
    expect(r.out[0]).toBe('ready');
    expect(r.out[1]).toMatch(
      /^2 stuck-ticket alert\(s\) open \(STUCK_ROUTED 1, WORK_ORDER_SILENT 1\) as of \S+ on bridge\.alerts\.v1; the oldest:$/,
    );
    // Open as of the reading (now), whatever the detail said at raise.
    const age = (since: number) => alertAge(since, Date.parse(/as of (\S+)/.exec(r.out[1] ?? '')?.[1] ?? ''));
    expect(r.out.slice(2)).toEqual([
      `  SR-2 STUCK_ROUTED: housing, owner of housing, since 2026-05-04T13:00:00.000Z (for ${age(t)})`,
      `  SR-5 WORK_ORDER_SILENT SR-5#1: parks, owner of parks, since 2026-05-04T13:00:00.003Z (for ${age(t + 3)})`,
    ]);

    // The topic cannot be read: the worker's own count, saying whose partitions it covers.
    const down = await health(configAt(port), 'worker', () => Promise.reject(new Error('broker unreachable')));
    expect(down).toEqual({
      code: 0,
      out: ['ready', "  (bridge.alerts.v1 could not be read: broker unreachable; the worker's own count follows)"],
      err: [],
    });
    const ownOpen = { ...own, open: 1, byReason: { STUCK_NEW: 1 }, partitions: [0, 2] };
    const { port: p2 } = await ops({ ready: true, detail: { reasons: [], alerts: ownOpen } });
    expect((await health(configAt(p2), 'worker')).out[1]).toBe(
      '1 stuck-ticket alert(s) open (STUCK_NEW 1) as of 2026-05-04T14:00:00.000Z in the partitions this process owns (0, 2); the oldest:',
    );
  });

  it('exits 2 naming the address when no worker answers', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise((resolve) => free.close(resolve));
    const r = await health(configAt(port));
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(`127.0.0.1:${port}`);
    expect(r.err.join('\n')).toMatch(
      /^closeloop: CL_OPS_UNREACHABLE: cannot reach the worker \(or the processor run alone\) at/,
    );
    // What failed, not only undici's "fetch failed".
    expect(r.err.join('\n')).toContain('ECONNREFUSED');
    expect((await health({} as CloseloopConfig)).code).toBe(2);
  });

  it('exits 2 saying it is not an ops server when something else answers 200 on the port', async () => {
    let answer = '<html>hello</html>';
    const other = createServer((_req, res) => res.end(answer));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    servers.push({ stop: () => new Promise<void>((resolve) => other.close(() => resolve())) });
    const { port } = other.address() as AddressInfo;
    const r = await health(configAt(port));
    expect(r.code).toBe(2);
    expect(r.err).toEqual([
      `closeloop: CL_OPS_UNREACHABLE: http://127.0.0.1:${port}/health/ready answered HTTP 200 with no readiness JSON; is that the ops server of the worker (or the processor run alone)?`,
    ]);
    // JSON that is not a readiness answer is not taken for "ready".
    for (const json of ['null', '{"ok":true}', '[]']) {
      answer = json;
      expect((await health(configAt(port))).code).toBe(2);
    }
  });

  it("asks the status API's ops server (statusApi.ops) for the status-api target, not the worker's", async () => {
    const worker = await ops({ ready: true, detail: { reasons: [] } });
    const reasons = ['status feed consumer failing for 42 s: fetching: broker gone'];
    const statusApi = await ops({ ready: false, detail: { reasons } });
    const config = {
      http: { host: '127.0.0.1', port: worker.port },
      statusApi: { ops: { host: '127.0.0.1', port: statusApi.port } },
    } as CloseloopConfig;
    expect(await health(config, 'status-api')).toEqual({ code: 1, out: ['not ready', `  ${reasons[0]}`], err: [] });
    expect((await health(config)).code).toBe(0);
  });

  it('exits 2 saying why when the config gives the status API no ops server', async () => {
    const ask = async (config: CloseloopConfig) => {
      const { code, err } = await health(config, 'status-api');
      return { code, err };
    };
    expect(await ask({ statusApi: null } as CloseloopConfig)).toEqual({
      code: 2,
      err: ['closeloop: CL_CONFIG_INVALID: the config has no statusApi section, so no status API runs from it'],
    });
    expect(await ask({ statusApi: { ops: null } } as CloseloopConfig)).toEqual({
      code: 2,
      err: ['closeloop: CL_CONFIG_INVALID: statusApi.ops is off, so the status API serves no health endpoint'],
    });
  });
});
