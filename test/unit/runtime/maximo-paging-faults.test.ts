import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { createInMemoryMessaging, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, within } from '../../support/wait.ts';

// Maximo's paging as a misbehaving server answers it: a nextPage that points back at a page
// already read, pages that never end, a page that never answers. A poll used to follow such
// paging for good: tens of thousands of requests, nothing published, no alarm, and stop() hung.

const cleanup = cleanupAfter('each');
const TOPIC = 'dept.work-order-events.v1';
const NOW = Date.parse('2024-03-01T16:00:00Z');

const workOrder = (id: number) => ({
  href: `/maximo/api/os/mxwo/_${id}`,
  _rowstamp: String(1000 + id),
  workorderid: id,
  wonum: `WO${id}`,
  siteid: 'DOT',
  status: 'APPR',
  statusdate: '2024-03-01T10:00:00-05:00',
  changedate: '2024-03-01T10:00:00-05:00',
  origrecordid: `T-${id}`,
  origrecordclass: 'SR',
  externalrefid: `T-${id}#1`,
});

/** Answers every query and page with work orders 1 and 2 and a nextPage from `next`. */
async function maximoServer(next: (pageno: number) => number | 'hang') {
  let calls = 0;
  let hung = 0;
  const server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://maximo').searchParams;
    // Pages of the feed are counted; the feed's check of who holds its references is not paging.
    if (!query.get('oslc.where')?.startsWith('externalrefid in')) calls += 1;
    const pageno = Number(query.get('pageno') ?? 1);
    const to = next(pageno);
    if (to === 'hang') {
      hung += 1;
      return;
    }
    res.setHeader('content-type', 'application/json');
    // Maximo writes the href from its webappurl: another host than the one it was called on.
    const href = `http://maximo.internal/maximo/api/os/mxwo?lean=1&pageno=${to}`;
    res.end(JSON.stringify({ member: [workOrder(1), workOrder(2)], responseInfo: { nextPage: { href } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, hung: () => hung };
}

const ctx = { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'k' }, clock: () => NOW };

function source(url: string) {
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    pageSize: 2,
    maxPagesPerPoll: 5,
  });
  const s = maximo.source?.(config, ctx);
  if (!s) throw new Error('maximo has no source');
  return s;
}

describe('maximo source whose paging misbehaves', () => {
  it('fails the poll on a nextPage that points at a page it read already', async () => {
    const server = await maximoServer(() => 2);
    const failed = await source(server.url)
      .poll(null)
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      message: expect.stringMatching(
        /points at a page this poll has read already \(.*, pageno 2\): its paging runs in a circle/,
      ),
    });
    // The query and page 2; page 2's link back at itself is not followed.
    expect(server.calls()).toBe(2);
  });

  it('counts every page read: pages that never end are a bounded batch, then a failed poll', async () => {
    const server = await maximoServer((pageno) => pageno + 1);
    const s = source(server.url);
    // The first poll publishes what it found on the first page and stops at maxPagesPerPoll.
    const first = await s.poll(null);
    expect(first.records.map((r) => r.key)).toEqual(['T-1', 'T-2']);
    expect(server.calls()).toBe(5);
    // The next reads the two it published again (the look-back), then five pages with nothing new.
    const failed = await s.poll(first.cursor).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      message: expect.stringMatching(/6 pages read without a change not published before .* paging repeats itself/),
    });
    expect(server.calls()).toBe(11);
  });

  it('pauses the runner, saying why in its status and readiness, and stops at once mid-poll', async () => {
    let hang = false;
    // The query answers (the health probe too); the page it links to hangs once `hang` is set.
    const server = await maximoServer((pageno) => (hang && pageno === 2 ? 'hang' : 2));
    const { serde } = await startLoopback(cleanup);
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([{ topic: TOPIC, partitions: 1 }]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const runner = new SourceRunner({
      connector: 'maximo',
      cursorKey: 'maximo:testville',
      topic: TOPIC,
      source: source(server.url),
      messaging,
      serde,
      logger: ctx.logger,
      probeIntervalMs: 10,
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the pause', () => runner.status().pausedBy === 'unavailable');
    expect(runner.status()).toMatchObject({ published: 0, error: expect.stringMatching(/paging runs in a circle/) });
    const readiness = judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'maximo', kind: 'source', ...runner.status() }],
    });
    expect(readiness.reasons).toEqual(['maximo source paused: unavailable']);

    // A next page that never answers (within the 10 s time-out): stop() does not wait for it.
    hang = true;
    // Counted by the server, not by calls since: a poll whose query was out as `hang` was set asks
    // for the hanging page with one call more, not two.
    await until('a poll left hanging on its second page', () => server.hung() > 0);
    // Well inside the page's 10 s time-out, which a stop() that waited for the poll would reach;
    // the waits above are conditions, given the default time so a loaded machine does not fail them.
    await within('stop()', 5_000, runner.stop());
    expect(runner.status().state).toBe('stopped');
  });
});
