import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import type { Lookup } from '../../src/sdk/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { dept } from '../support/domain.ts';
import { openOnBridge, storedCursor } from '../support/reconcile-bridge.ts';

const cleanup = cleanupAfter('each');
const ids = Array.from({ length: 8 }, (_, i) => `R${i}`);
const logger = createLogger({ level: 'silent' });

/** What a connector throws for a 429 (CL_CONNECTOR_RETRIABLE), with its Retry-After when given. */
const refused = (retryAfterMs?: number) =>
  new CloseloopError('CL_CONNECTOR_RETRIABLE', 'GET /api/v1/tickets/x: HTTP 429', {
    details: retryAfterMs === undefined ? {} : { retryAfterMs },
  });

/** A CRM lookup that agrees with the bridge (v1), save when `answer` throws first; notes each call. */
function crmLookup(calls: { id: string; at: number }[], answer: (n: number) => void = () => undefined): Lookup {
  return {
    async ticket(ticketId) {
      calls.push({ id: ticketId, at: performance.now() });
      answer(calls.length);
      return { ticketId, status: 'open', statusVersion: 1, lifecycleState: null, closureReason: null, updatedAt: null };
    },
    health: async () => ({ status: 'up' }),
  };
}

/** A department that knows nothing yet: the tickets' work orders are still REQUESTED, so no drift. */
const quiet: Lookup = { workOrder: async () => null, health: async () => ({ status: 'up' }) };

/** The CRM's lookup, with one for the department every ticket is routed to (else its work order is unanswered). */
const only = (crm: Lookup): ReconcileLookups => ({
  crm,
  departments: [{ connector: 'maximo', system: 'maximo', department: 'transportation', lookup: quiet }],
  stop: async () => undefined,
});

const unansweredOf = async (metrics: Metrics) =>
  (await metrics.reconcileUnanswered.get()).values.map((v) => [v.labels['system'], v.labels['code'], v.value]);

/** A run on the bridge `openOnBridge` left, asking `crm` (and a quiet department) at 1,000 calls a second. */
const reconcileWith = (
  { config, messaging, serde }: Pick<Awaited<ReturnType<typeof openOnBridge>>, 'config' | 'messaging' | 'serde'>,
  crm: Lookup,
  metrics: Metrics,
) => runReconciliation({ config, messaging, serde, logger, metrics, lookups: only(crm), rate: 1_000 });

describe('reconciliation against a system that refuses lookups', () => {
  // Ending the run there instead ended every run at that ticket while the system asked to wait
  // (a maintenance window of a day), checking no ticket after it, in any system.
  it('asks a system that says to wait longer than a run waits no more this run, and checks every ticket', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const calls: { id: string; at: number }[] = [];
    const tooLong = crmLookup(calls, (n) => {
      if (n >= 3) throw refused(86_400_000);
    });
    const metrics = new Metrics({ defaults: false });
    // Each run, the CRM answers twice, then asks to wait a day: R2 is its last call in the run,
    // and every ticket is still checked (its department's work order judged).
    for (let run = 0; run < 2; run += 1) {
      calls.length = 0;
      const report = await reconcileWith({ config, messaging, serde }, tooLong, metrics);
      expect(report).toMatchObject({ checked: ids.length, stopped: false, stoppedBecause: null });
      expect(report.unanswered).toBe(ids.length - 2);
      expect(calls.map((c) => c.id)).toEqual(['R0', 'R1', 'R2']);
      expect(await storedCursor(messaging, config.topics.cursors)).toMatchObject({ complete: true });
    }
    expect(await unansweredOf(metrics)).toEqual([['crm', 'CL_CONNECTOR_RETRIABLE', 2 * (ids.length - 2)]]);
  });

  it('waits out a short Retry-After and asks again, leaving nothing unanswered', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const calls: { id: string; at: number }[] = [];
    const brief = crmLookup(calls, (n) => {
      if (n === 2) throw refused(300);
    });
    const metrics = new Metrics({ defaults: false });
    const report = await reconcileWith({ config, messaging, serde }, brief, metrics);
    expect(report).toMatchObject({ checked: ids.length, stopped: false, unanswered: 0 });
    expect(calls.map((c) => c.id)).toEqual(['R0', 'R1', ...ids.slice(1)]);
    const [, refusedCall, again] = calls;
    expect((again?.at ?? 0) - (refusedCall?.at ?? 0)).toBeGreaterThanOrEqual(295);
    expect(await unansweredOf(metrics)).toEqual([]);
  });

  it('stops asking a system after 3 failures in a row, and counts every item unanswered', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const calls: { id: string; at: number }[] = [];
    const down = crmLookup(calls, () => {
      throw refused();
    });
    const metrics = new Metrics({ defaults: false });
    const report = await reconcileWith({ config, messaging, serde }, down, metrics);
    expect(calls.map((c) => c.id)).toEqual(['R0', 'R1', 'R2']);
    expect(report).toMatchObject({ checked: ids.length, unanswered: ids.length, stopped: false });
    expect(await unansweredOf(metrics)).toEqual([['crm', 'CL_CONNECTOR_RETRIABLE', ids.length]]);
  });

  // Thrown on, it failed the run at R3, and every scheduled run after it from the same cursor.
  it('takes an error of no catalogue code from a lookup as that item unanswered, and checks every ticket', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const calls: { id: string; at: number }[] = [];
    // A connector's own parse of a body: V8's SyntaxError quotes the body, contact data and all.
    const buggy = crmLookup(calls, (n) => {
      if (n === 4) JSON.parse('jane.roe@example.org called 410-555-0199');
    });
    const metrics = new Metrics({ defaults: false });
    const lines: string[] = [];
    const logged = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const report = await runReconciliation({
      config,
      messaging,
      serde,
      logger: logged,
      metrics,
      lookups: only(buggy),
      rate: 1_000,
    });
    expect(lines.filter((l) => l.includes('SyntaxError'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('jane.roe') || l.includes('410-555'))).toEqual([]);
    expect(report).toMatchObject({ checked: ids.length, unanswered: 1, stopped: false });
    expect(calls.map((c) => c.id)).toEqual(ids);
    expect(await unansweredOf(metrics)).toEqual([['crm', 'unknown', 1]]);
    expect(await storedCursor(messaging, config.topics.cursors)).toMatchObject({ after: 'R7', complete: true });
  });

  it('takes one token per lookup call, not per ticket', async () => {
    const work = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });
    const { config, messaging, serde } = await openOnBridge(cleanup, ids.slice(0, 2), work);
    const calls: { id: string; at: number }[] = [];
    const maximo: Lookup = {
      async workOrder(ref) {
        calls.push({ id: ref.workOrderId, at: performance.now() });
        return null;
      },
      health: async () => ({ status: 'up' }),
    };
    const lookups: ReconcileLookups = {
      crm: crmLookup(calls),
      departments: [{ connector: 'maximo', system: 'maximo', department: 'transportation', lookup: maximo }],
      stop: async () => undefined,
    };
    // 4 calls a second: the first at once, then one every 250 ms.
    await runReconciliation({ config, messaging, serde, logger, lookups, rate: 4 });
    expect(calls.map((c) => c.id)).toEqual(['R0', 'R0#1', 'R1', 'R1#1']);
    expect((calls[3]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(700);
  });
});
