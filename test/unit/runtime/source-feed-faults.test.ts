import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { posse } from '../../../connectors/posse/index.ts';
import { createInMemoryMessaging, readSchemaFile, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type Source } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

type Answer = (url: URL, res: http.ServerResponse) => void;

/** A system whose answers the test sets as it goes: a feed misbehaving the way real ones do. */
async function feedServer(): Promise<{ url: string; answer: (a: Answer) => void; calls: () => number }> {
  let answer: Answer = (_, res) => res.end('{"changes":[],"nextCursor":0}');
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls += 1;
    res.setHeader('content-type', 'application/json');
    answer(new URL(req.url ?? '/', 'http://crm'), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, answer: (a) => (answer = a), calls: () => calls };
}

type Fed = 'crm-rest' | 'posse';

/** A feed's source, or that source seen through `wrap` (a connector that filters, say). */
async function feedRunner(connector: Fed, url: string, wrap: (s: Source<unknown>) => Source<unknown> = (s) => s) {
  const topic = connector === 'crm-rest' ? 'crm.ticket-events.v1' : 'dept.work-order-events.v1';
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic, partitions: 1 }]);
  await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${topic}.avsc`)).schema);
  const logger = createLogger({ level: 'silent' });
  const ctx = { logger, env: { CRM_API_TOKEN: 't', POSSE_API_TOKEN: 't' }, clock: Date.now };
  const base = { baseUrl: url, jurisdiction: 'testville', pageSize: 2 };
  const source =
    connector === 'crm-rest'
      ? crmRest.source?.(parseConnectorConfig('crm-rest', crmRest.config, base), ctx)
      : posse.source?.(parseConnectorConfig('posse', posse.config, { ...base, departments: ['housing'] }), ctx);
  if (!source) throw new Error(`${connector} has no source`);
  const runner = new SourceRunner<unknown>({
    connector,
    cursorKey: `${connector}:testville`,
    topic,
    source: wrap(source as Source<unknown>),
    messaging,
    serde,
    logger,
    pollIntervalMs: 10,
    probeIntervalMs: 10,
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  await runner.start();
  cleanup.push(() => runner.stop());
  /** The keys of every record on the topic, in order. */
  const topicKeys = async () => {
    const keys: string[] = [];
    await readToEnd(messaging, admin, topic, 'all', (r) => void keys.push(r.key?.toString() ?? ''));
    return keys;
  };
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector, kind: 'source', ...runner.status() }],
    });
  return { runner, topicKeys, readiness };
}

/** One change of each feed, numbered `seq`, for ticket T-<seq>. */
const change = (connector: Fed, seq: number) =>
  connector === 'crm-rest'
    ? {
        seq,
        at: 1_790_000_000_000 + seq,
        ticketId: `T-${seq}`,
        kind: 'OPENED',
        actor: 'agent',
        serviceCode: 'POTHOLE',
        requestedAt: 1_790_000_000_000,
      }
    : {
        seq,
        at: 1_790_000_000_000 + seq,
        jobId: `J${seq}`,
        externalRef: `T-${seq}#1`,
        ticketId: `T-${seq}`,
        department: 'housing',
        outcome: 'INSPECTED',
        outcomeLabel: 'Inspected',
        jobStatus: 'Open',
      };

/** A page of the feed: its changes and its cursor, under each system's names. */
const page = (connector: Fed, seqs: number[], cursor: number) =>
  JSON.stringify({
    changes: seqs.map((seq) => change(connector, seq)),
    [connector === 'crm-rest' ? 'nextCursor' : 'watermark']: cursor,
  });
const after = (connector: Fed, url: URL) => Number(url.searchParams.get(connector === 'crm-rest' ? 'after' : 'since'));

describe('source runner against a feed that misbehaves', () => {
  // The runner ended only unavailable and credentials pauses on a poll that answered, so after a
  // redirect a quiet feed stayed paused (and not ready) until a record was published.
  it('ends an endpoint pause with the first poll that answers, on a feed with nothing new', async () => {
    const crm = await feedServer();
    crm.answer((_, res) => {
      res.writeHead(302, { location: 'https://sso.city.example/login' });
      res.end();
    });
    const { runner, readiness } = await feedRunner('crm-rest', crm.url);
    await until('the endpoint pause', () => runner.status().pausedBy === 'endpoint', 3_000);
    expect(readiness().ready).toBe(false);

    crm.answer((_, res) => res.end('{"changes":[],"nextCursor":0}'));
    await until('resumed', () => runner.status().state === 'running', 3_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, pauses: [], error: null, published: 0 });
    expect(readiness()).toEqual({ ready: true, reasons: [] });
  });

  // A full page whose cursor did not move was stored, read again and published again: thousands
  // of copies a second, with the runner running and ready.
  it.each<Fed>(['crm-rest', 'posse'])(
    '%s: pauses (cursor) on a page of changes whose cursor does not move, publishes none of it, and resumes once it moves',
    async (connector) => {
      const feed = await feedServer();
      let stuck = true;
      // Full pages; the cursor stays where it was asked from until the system is fixed. Past 4 the
      // feed is idle: an empty page that keeps its cursor, as a quiet feed answers.
      feed.answer((url, res) => {
        const from = after(connector, url);
        if (from >= 4) return res.end(page(connector, [], from));
        res.end(page(connector, [from + 1, from + 2], stuck ? from : from + 2));
      });
      const { runner, topicKeys, readiness } = await feedRunner(connector, feed.url);
      await until('the cursor pause', () => runner.status().pausedBy === 'cursor', 3_000);
      const calls = feed.calls();
      await until('a few more polls', () => feed.calls() > calls + 3, 3_000);
      const detail = 'a page of 2 changes after cursor (the start) ended at cursor "0"';
      expect(runner.status()).toMatchObject({ state: 'paused', pauseDetail: detail, published: 0, cursor: null });
      expect(runner.status().error).toMatch(/not past it: storing it would read the same page again forever/);
      expect(readiness().reasons).toEqual([`${connector} source paused: cursor (${detail})`]);
      expect(await topicKeys()).toEqual([]);

      stuck = false;
      await until('the feed read to its end', () => runner.status().cursor === '4', 3_000);
      const polls = runner.status().polls;
      await until('idle polls', () => runner.status().polls > polls + 3, 3_000);
      expect(runner.status()).toMatchObject({ state: 'running', pausedBy: null, error: null, published: 4 });
      expect(await topicKeys()).toEqual(['T-1', 'T-2', 'T-3', 'T-4']);
    },
  );

  it.each<Fed>(['crm-rest', 'posse'])(
    '%s: pauses on a page of changes whose cursor goes back, keeping the stored cursor',
    async (connector) => {
      const feed = await feedServer();
      // Two sound pages, then a page after 4 whose cursor is back at the start.
      feed.answer((url, res) => {
        const from = after(connector, url);
        res.end(page(connector, [from + 1, from + 2], from >= 4 ? 0 : from + 2));
      });
      const { runner, topicKeys, readiness } = await feedRunner(connector, feed.url);
      await until('the cursor pause', () => runner.status().pausedBy === 'cursor', 3_000);
      expect(runner.status()).toMatchObject({ cursor: '4', published: 4 });
      expect(readiness().reasons).toEqual([
        `${connector} source paused: cursor (a page of 2 changes after cursor "4" ended at cursor "0")`,
      ]);
      expect(await topicKeys()).toEqual(['T-1', 'T-2', 'T-3', 'T-4']);
    },
  );

  // A page whose changes the connector all left out (work orders not from a ticket, another
  // site's) came back empty with its cursor moved; the runner stored only the cursors of batches
  // with records, so it read that page again on every poll and never got past it.
  it('stores the cursor of a page whose changes were all left out, and reads on past it', async () => {
    const feed = await feedServer();
    feed.answer((url, res) => {
      const from = after('crm-rest', url);
      res.end(
        from === 0 ? page('crm-rest', [1, 2], 2) : from === 2 ? page('crm-rest', [3], 3) : page('crm-rest', [], from),
      );
    });
    const leftOut = new Set(['T-1', 'T-2']);
    const { runner, topicKeys } = await feedRunner('crm-rest', feed.url, (source) => ({
      ...source,
      poll: async (cursor, signal) => {
        const batch = await source.poll(cursor, signal);
        return { ...batch, records: batch.records.filter((r) => !leftOut.has(r.key)) };
      },
    }));
    await until('past the page left out', () => runner.status().published === 1, 3_000);
    expect(await topicKeys()).toEqual(['T-3']);
    await until('the cursor stored', () => runner.status().cursor === '3', 3_000);
  });
});
