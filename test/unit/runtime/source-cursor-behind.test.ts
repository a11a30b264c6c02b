import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createInMemoryMessaging, readSchemaFile, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { moveSourceCursor } from '../../../src/runtime/source-cursor.ts';
import { parseConnectorConfig, type Source } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

type Fed = 'crm-rest' | 'posse';
const CURSORS = 'cursors';

/**
 * A system whose feed is restored from a backup taken at seq 3: `add` makes one change, of a new
 * ticket (the CRM's SR-00000n opened; POSSE's job for T-n received).
 */
interface System {
  readonly url: string;
  add(): Promise<void>;
  restoreToSeq3(): void;
}

async function crmSystem(): Promise<System> {
  const crm = new CrmSimulator({ token: 't' });
  const url = await crm.start();
  cleanup.push(() => crm.stop());
  let backup = crm.snapshot();
  return {
    url,
    add: async () => {
      crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
      if (crm.changes.length === 3) backup = crm.snapshot();
    },
    restoreToSeq3: () => crm.restoreBackup(backup, { feed: true }),
  };
}

async function posseSystem(): Promise<System> {
  const sim = new PosseSimulator({ token: 't' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  let n = 0;
  return {
    url,
    add: async () => {
      n += 1;
      const created = await fetch(`${url}/posse/api/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        body: JSON.stringify({
          externalRef: `T-${n}#1`,
          ticketId: `T-${n}`,
          department: 'housing',
          serviceCode: 'X',
          description: null,
          priority: 3,
        }),
      });
      expect(created.status).toBe(201);
      // Its one process: the older jobs have none left, so the tick makes one change.
      sim.replan(`T-${n}#1`, ['RECEIVED']);
      expect(sim.tick()).toBe(1);
    },
    restoreToSeq3: () => sim.restoreFeed(3),
  };
}

async function behindRunner(connector: Fed, url: string) {
  const topic = connector === 'crm-rest' ? 'crm.ticket-events.v1' : 'dept.work-order-events.v1';
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic, partitions: 1 }]);
  await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/${topic}.avsc`)).schema);
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ destination, level: 'info' });
  const ctx = { logger, env: { CRM_API_TOKEN: 't', POSSE_API_TOKEN: 't' }, clock: Date.now };
  const base = { baseUrl: url, jurisdiction: 'testville', pageSize: 2 };
  const source =
    connector === 'crm-rest'
      ? crmRest.source?.(parseConnectorConfig('crm-rest', crmRest.config, base), ctx)
      : posse.source?.(parseConnectorConfig('posse', posse.config, { ...base, departments: ['housing'] }), ctx);
  if (!source) throw new Error(`${connector} has no source`);
  const metrics = new Metrics({ defaults: false });
  const runner = new SourceRunner<unknown>({
    connector,
    cursorKey: `${connector}:testville`,
    cursorTopic: CURSORS,
    topic,
    source: source as Source<unknown>,
    messaging,
    serde,
    logger,
    metrics,
    pollIntervalMs: 5,
    probeIntervalMs: 5,
    fencedRetryMs: 50,
    behindCheckMs: 20,
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  await runner.start();
  cleanup.push(() => runner.stop());
  const keys = async () => {
    const seen: string[] = [];
    await readToEnd(messaging, admin, topic, 'all', (r) => void seen.push(r.key?.toString() ?? ''));
    return seen;
  };
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector, kind: 'source', ...runner.status() }],
    });
  const gauge = async () => {
    const text = await metrics.registry.getSingleMetricAsString('closeloop_source_warning');
    return /closeloop_source_warning\{[^}]*code="CL_SOURCE_CURSOR_BEHIND"[^}]*\} (\d)/.exec(text)?.[1] ?? null;
  };
  const logged = (msg: string) => lines.filter((l) => l['msg'] === msg);
  return { runner, messaging, keys, readiness, gauge, logged };
}

describe('a source whose system restored its feed from a backup (the sequence goes back)', () => {
  // The CRM (or POSSE) is restored from a backup taken at seq 3 while the bridge's cursor is 5:
  // its empty pages answer 3, and the next changes take seqs 4 and 5 again. The runner took that
  // for an idle feed: nothing logged, ready, and those changes (new tickets) never read.
  it.each<[Fed, () => Promise<System>, string[]]>([
    ['crm-rest', crmSystem, ['SR-000001', 'SR-000002', 'SR-000003', 'SR-000004', 'SR-000005']],
    ['posse', posseSystem, ['T-1', 'T-2', 'T-3', 'T-4', 'T-5']],
  ])(
    '%s: warns CL_SOURCE_CURSOR_BEHIND naming both cursors, reads on past the stored one, and reads the rest once an operator moves it back',
    async (connector, system, before) => {
      const sys = await system();
      for (let i = 0; i < 5; i += 1) await sys.add();
      const { runner, messaging, keys, readiness, gauge, logged } = await behindRunner(connector, sys.url);
      await until('the feed read to 5', () => runner.status().cursor === '5', 3_000);
      expect(await keys()).toEqual(before);

      sys.restoreToSeq3();
      const behind = () => runner.status().warnings.find((w) => w.code === 'CL_SOURCE_CURSOR_BEHIND');
      await until('the warning', () => behind() !== undefined, 3_000);
      const detail =
        'the feed went back: asked for changes after the stored cursor "5", the system answered that it ends at "3" ' +
        '(restored from a backup?); what it numbers after that, up to the stored cursor, is not read. ' +
        `Check the system, then move the cursor back: closeloop source cursor ${connector} --set 3`;
      expect(behind()?.detail).toBe(detail);
      expect(runner.status()).toMatchObject({ state: 'running', cursor: '5', published: 5 });
      expect(readiness()).toEqual({
        ready: false,
        reasons: [`${connector} source CL_SOURCE_CURSOR_BEHIND: ${detail}`],
      });
      expect(await gauge()).toBe('1');
      expect(logged('source warning')).toEqual([
        expect.objectContaining({ level: 50, code: 'CL_SOURCE_CURSOR_BEHIND', detail }),
      ]);

      // Three new tickets take seqs 4, 5 and 6: the one past the stored cursor is read as ever,
      // and the warning stays, the two before it being unread all the same.
      for (let i = 0; i < 3; i += 1) await sys.add();
      await until('seq 6 read', () => runner.status().cursor === '6', 3_000);
      const sixth = connector === 'crm-rest' ? 'SR-000008' : 'T-8';
      expect(await keys()).toEqual([...before, sixth]);
      const polls = runner.status().polls;
      await until('more polls', () => runner.status().polls > polls + 3, 3_000);
      expect(behind()?.detail).toBe(detail);
      expect(readiness().ready).toBe(false);

      // The operator's way out, as `closeloop source cursor --set 3` takes it: the runner is
      // fenced, stands aside, then reads from 3: the two new tickets, and seq 6 again.
      expect(await moveSourceCursor(messaging, CURSORS, `${connector}:testville`, '3')).toEqual({ was: '6' });
      const news = connector === 'crm-rest' ? ['SR-000006', 'SR-000007', 'SR-000008'] : ['T-6', 'T-7', 'T-8'];
      await untilAsync('the rest read', async () => (await keys()).length === 9, 3_000);
      expect(await keys()).toEqual([...before, sixth, ...news]);
      await until('the warning gone', () => behind() === undefined && runner.status().pausedBy === null, 3_000);
      expect(runner.status().cursor).toBe('6');
      expect(readiness()).toEqual({ ready: true, reasons: [] });
      expect(await gauge()).toBe('0');
      expect(logged('source warning cleared')).toEqual([expect.objectContaining({ code: 'CL_SOURCE_CURSOR_BEHIND' })]);
    },
  );
});
