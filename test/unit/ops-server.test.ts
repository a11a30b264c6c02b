import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isCloseloopError } from '../../src/errors/index.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { OpsServer, STOP_GRACE_MS } from '../../src/observability/ops-server.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function server(port: number, beforeScrape?: () => Promise<void>, onScrapeError?: (err: unknown) => void) {
  const metrics = new Metrics({ defaults: false });
  const ops = new OpsServer({
    host: '127.0.0.1',
    port,
    metrics,
    readiness: () => ({ ready: true, detail: {} }),
    pause: () => true,
    resume: () => true,
    ...(beforeScrape ? { beforeScrape } : {}),
    ...(onScrapeError ? { onScrapeError } : {}),
  });
  return { ops, metrics };
}

const OPTIONS = {
  host: '127.0.0.1',
  metrics: new Metrics({ defaults: false }),
  readiness: () => ({ ready: true, detail: {} }),
};

describe('ops server', () => {
  it('refuses a taken port with CL_OPS_PORT_IN_USE naming host:port', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const { port } = taken.address() as AddressInfo;
    const err = await server(port)
      .ops.start()
      .catch((e: unknown) => e);
    expect(isCloseloopError(err, 'CL_OPS_PORT_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).toContain('change http.port');
    const other = new OpsServer({ ...OPTIONS, port, portKey: 'statusApi.ops.port' });
    expect(((await other.start().catch((e: unknown) => e)) as Error).message).toContain('change statusApi.ops.port');
  });

  it('still serves /metrics when refreshing the gauges fails', async () => {
    const errors: unknown[] = [];
    const { ops, metrics } = server(
      0,
      () => Promise.reject(new Error('broker down')),
      (e) => errors.push(e),
    );
    metrics.brokerUp.set(0);
    const url = await ops.start();
    closers.push(() => ops.stop());
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('closeloop_broker_up 0');
    expect(errors).toHaveLength(1);
  });

  it('serves what the process holds when rendering the metrics fails, and a failed request answers 500 without its error, staying up', async () => {
    const metrics = new Metrics({ defaults: false });
    metrics.statusChanges.inc();
    const failures: string[] = [];
    const ops = new OpsServer({
      ...OPTIONS,
      port: 0,
      metrics,
      metricsText: () => Promise.reject(new Error('thread 1 did not answer')),
      onScrapeError: (err) => failures.push(String(err)),
      onRequestError: (err, path) => failures.push(`${path}: ${String(err)}`),
      readiness: () => {
        throw new Error('secret=hunter2 in a stack');
      },
    });
    const url = await ops.start();
    closers.push(() => ops.stop());
    const scrape = await fetch(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('closeloop_status_changes_total 1');
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(500);
    expect(await ready.text()).toBe(JSON.stringify({ error: 'internal error; the worker log has it' }));
    expect(failures).toEqual(['Error: thread 1 did not answer', '/health/ready: Error: secret=hunter2 in a stack']);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('answers HEAD on its GET paths as GET, without the body, for probes that check with HEAD', async () => {
    const { ops } = server(0);
    const url = await ops.start();
    closers.push(() => ops.stop());
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      const get = await fetch(`${url}${path}`);
      const head = await fetch(`${url}${path}`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type')]).toEqual([get.status, get.headers.get('content-type')]);
      expect(await head.text()).toBe('');
      expect((await get.text()).length).toBeGreaterThan(0);
    }
    // Still a path it does not serve, and still only POST where POST is the method.
    expect((await fetch(`${url}/nowhere`, { method: 'HEAD' })).status).toBe(404);
    const hook = await fetch(`${url}/hooks/posse`, { method: 'HEAD' });
    expect([hook.status, hook.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('answers 405 naming the method for a path it serves with another, 404 for a path it does not', async () => {
    const { ops } = server(0);
    const url = await ops.start();
    closers.push(() => ops.stop());
    const post = await fetch(`${url}/health/ready`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(await post.json()).toEqual({ error: '/health/ready takes GET, HEAD, not POST' });
    const get = await fetch(`${url}/admin/connectors/posse/pause`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  });

  it('answers 409 with the reason for a source that runs on another worker, and notes it beside a sink that acted', async () => {
    const note = 'crm-rest source is not running on this worker (this worker stands by): send it to that worker';
    const ops = new OpsServer({
      ...OPTIONS,
      port: 0,
      adminToken: 'secret',
      pause: (name) => (name === 'crm-rest' ? { outcome: 'changed', note } : { outcome: 'elsewhere', note }),
      resume: () => ({ outcome: 'unknown' }),
    });
    const url = await ops.start();
    closers.push(() => ops.stop());
    const post = (path: string) =>
      fetch(`${url}/admin/connectors/${path}`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
    const alone = await post('maximo/pause');
    expect([alone.status, await alone.json()]).toEqual([409, { error: note }]);
    const withSink = await post('crm-rest/pause');
    expect([withSink.status, await withSink.json()]).toEqual([
      200,
      { connector: 'crm-rest', action: 'pause', changed: true, note },
    ]);
    expect((await post('crm-rest/resume')).status).toBe(404);
  });
});

// A department's webhook posts here: a base URL that ends in "/" gives "//hooks/…", and a target
// the URL parser could not read answered 500 with an error logged, for the client's own mistake.
describe('ops server: stopping', () => {
  it('ends a connection still in a request after its grace, so a stalled client cannot hold up the stop', async () => {
    const { ops } = server(0);
    const url = new URL(await ops.start());
    // A scraper that sent half a request and went quiet, and a client idle on keep-alive.
    const stalled = connect(Number(url.port), '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const ended = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    const idle = await fetch(`${url.origin}/health/live`, { keepalive: true });
    await idle.text();
    const started = performance.now();
    await ops.stop();
    await ended;
    // The request in progress had its grace; without the deadline, stop() never returned while the client stayed.
    expect(performance.now() - started).toBeGreaterThanOrEqual(STOP_GRACE_MS - 50);
  }, 30_000);
});

describe('ops server: the request target', () => {
  async function raw(url: string, target: string): Promise<number> {
    const { hostname, port } = new URL(url);
    const { connect } = await import('node:net');
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(`GET ${target} HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n`),
      );
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
      socket.once('error', reject);
      socket.once('close', () => resolve(got));
    });
    return Number(text.split(' ')[1]);
  }

  it('reads a run of slashes as one, and answers a target it cannot read 400 without logging an error', async () => {
    const errors: unknown[] = [];
    const ops = new OpsServer({ ...OPTIONS, port: 0, onRequestError: (err) => errors.push(err) });
    const url = await ops.start();
    closers.push(() => ops.stop());
    expect(await raw(url, '//health/ready')).toBe(200);
    expect(await raw(url, '//[')).toBe(404);
    expect(await raw(url, 'http://[')).toBe(400);
    expect(errors).toEqual([]);
  });
});
