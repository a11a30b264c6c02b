import { once } from 'node:events';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.ts';
import { OpsServer } from '../../src/observability/ops-server.ts';
import { checkConnector } from '../../src/worker/connector-check.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function started() {
  const rung: string[] = [];
  const ops = new OpsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics({ defaults: false }),
    readiness: () => ({ ready: true, detail: {} }),
    pause: () => true,
    resume: () => true,
    // A doorbell configured for a connector the worker runs no source for answers 404 too.
    webhooks: new Map([
      ['posse', 'bell-token'],
      ['ghost', 'ghost-token'],
    ]),
    wake: (connector) => {
      if (connector !== 'posse') return false;
      rung.push(connector);
      return true;
    },
  });
  const url = await ops.start();
  closers.push(() => ops.stop());
  const ring = (path: string, init: { token?: string; body?: string } = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  return { rung, ring };
}

describe('ops server webhook doorbell', () => {
  it('wakes the source for a request with its token, empty or with a small JSON object', async () => {
    const { rung, ring } = await started();
    const empty = await ring('/hooks/posse', { token: 'bell-token' });
    expect(empty.status).toBe(202);
    expect(await empty.json()).toEqual({ connector: 'posse', polling: true });
    expect((await ring('/hooks/posse', { token: 'bell-token', body: '{"event":"job.changed"}' })).status).toBe(202);
    expect(rung).toEqual(['posse', 'posse']);
  });

  it('refuses a missing or wrong token, an unknown connector, a bad or oversized body, and rings nothing', async () => {
    const { rung, ring } = await started();
    expect((await ring('/hooks/posse')).status).toBe(401);
    expect((await ring('/hooks/posse', { token: 'ghost-token' })).status).toBe(401);
    expect((await ring('/hooks/maximo', { token: 'bell-token' })).status).toBe(404);
    expect((await ring('/hooks/ghost', { token: 'ghost-token' })).status).toBe(404);
    expect((await ring('/hooks/POSSE%2F..', { token: 'bell-token' })).status).toBe(404);
    expect((await ring('/hooks/posse', { token: 'bell-token', body: 'not json' })).status).toBe(400);
    expect((await ring('/hooks/posse', { token: 'bell-token', body: '[1,2]' })).status).toBe(400);
    const big = JSON.stringify({ padding: 'x'.repeat(5_000) });
    expect((await ring('/hooks/posse', { token: 'bell-token', body: big })).status).toBe(413);
    expect(rung).toEqual([]);
  });
});

describe('ops server webhook doorbell, an endless body', () => {
  it('is answered 413 once it passes the limit, without reading the rest', async () => {
    const ops = new OpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new Metrics({ defaults: false }),
      readiness: () => ({ ready: true, detail: {} }),
      webhooks: new Map([['posse', 'bell-token']]),
      wake: () => true,
    });
    const url = await ops.start();
    closers.push(() => ops.stop());
    const req = request(`${url}/hooks/posse`, { method: 'POST', headers: { authorization: 'Bearer bell-token' } });
    req.on('error', () => undefined);
    const answered = new Promise<number>((resolve) =>
      req.on('response', (r) => (r.resume(), resolve(r.statusCode ?? 0))),
    );
    let status: number | undefined;
    void answered.then((s) => (status = s));
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    // Chunked, no Content-Length: only reading can tell the size. 50 MB at most, or until answered.
    while (status === undefined && sent < 50 * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answered]);
    }
    expect(await answered).toBe(413);
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    req.destroy();
  });
});

describe('webhook token', () => {
  const instance = {
    name: 'posse',
    config: { baseUrl: 'http://127.0.0.1:1', jurisdiction: 'testville', departments: ['housing'] },
    webhook: { tokenEnv: 'POSSE_WEBHOOK_TOKEN' },
  };

  it('is a credential: a doorbell without its token variable is refused at start-up, by name only', () => {
    const { problems } = checkConnector(instance, { POSSE_API_TOKEN: 'x' }, { credentials: true });
    expect(problems).toEqual(['posse: environment variable POSSE_WEBHOOK_TOKEN is not set (its credential)']);
    const ok = checkConnector(instance, { POSSE_API_TOKEN: 'x', POSSE_WEBHOOK_TOKEN: 'y' }, { credentials: true });
    expect(ok.problems).toEqual([]);
  });

  it('is refused at start-up when no header can carry it, by name only', () => {
    for (const token of ['s3cret\n', ' s3cret', 's3c\u0000ret', 'sécret\u2028']) {
      const { problems } = checkConnector(
        instance,
        { POSSE_API_TOKEN: token, POSSE_WEBHOOK_TOKEN: 'y' },
        { credentials: true },
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('environment variable POSSE_API_TOKEN holds what no HTTP header can carry');
      expect(problems[0]).not.toContain('s3c');
    }
    const inner = checkConnector(
      instance,
      { POSSE_API_TOKEN: 'Bearer a b', POSSE_WEBHOOK_TOKEN: 'y' },
      { credentials: true },
    );
    expect(inner.problems).toEqual([]);
  });
});
