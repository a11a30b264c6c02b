import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { opsServerFor, startBehindOps, type OpsSubject } from '../../src/observability/process-ops.ts';
import { freePorts } from '../support/ports.ts';

function subject(over: Partial<OpsSubject> = {}): OpsSubject {
  const metrics = new Metrics({ defaults: false });
  return {
    metrics,
    metricsText: () => metrics.registry.metrics(),
    readiness: async () => ({ ready: false, detail: { reasons: ['processor starting'] } }),
    refreshGauges: async () => undefined,
    ...over,
  };
}

/** Whether the port can be bound now (nothing listens on it). */
const free = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

function logged(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }) };
}

describe('a process behind its ops server (the worker, the processor run alone)', () => {
  it('answers readiness while it starts, and closes the port again when the start fails', async () => {
    const [port = 0] = await freePorts(1);
    const ops = opsServerFor({ host: '127.0.0.1', port }, subject(), logged().logger);
    let seen: unknown = null;
    const started = startBehindOps(ops, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      seen = { status: res.status, body: await res.json() };
      throw new Error('the group refused us');
    });
    await expect(started).rejects.toThrow('the group refused us');
    expect(seen).toEqual({ status: 503, body: { status: 'not ready', reasons: ['processor starting'] } });
    expect(await free(port)).toBe(true);
  });

  it('logs a failed gauge refresh and still answers the scrape; without admin it has no admin endpoints', async () => {
    const { lines, logger } = logged();
    const failing = subject({
      refreshGauges: () => Promise.reject(new Error('lag query failed')),
    });
    const ops = opsServerFor({ host: '127.0.0.1', port: 0 }, failing, logger);
    const url = await startBehindOps(ops, async () => undefined);
    try {
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect(lines.some((l) => l.includes('refreshing gauges failed') && l.includes('lag query failed'))).toBe(true);
      expect((await fetch(`${url}/admin/connectors/crm-rest/pause`, { method: 'POST' })).status).toBe(404);
    } finally {
      await ops.stop();
    }
  });
});
