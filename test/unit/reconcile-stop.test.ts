import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { openOnBridge, storedCursor } from '../support/reconcile-bridge.ts';

const cleanup = cleanupAfter('each');
const ids = Array.from({ length: 8 }, (_, i) => `S${i}`);

/** A CRM that agrees with the bridge on every ticket, noting each ticket asked about. */
function agreeingCrm(asked: string[], onAsk: () => void = () => undefined): ReconcileLookups {
  return {
    crm: {
      async ticket(ticketId) {
        asked.push(ticketId);
        onAsk();
        return {
          ticketId,
          status: 'open',
          statusVersion: 1,
          lifecycleState: null,
          closureReason: null,
          updatedAt: null,
        };
      },
      health: async () => ({ status: 'up' }),
    },
    departments: [],
    stop: async () => undefined,
  };
}

describe('a reconciliation run ended by its signal', () => {
  it('stops before its next ticket, stores the cursor after the last ticket checked, and the next run goes on from there', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const logger = createLogger({ level: 'silent' });
    const stop = new AbortController();
    const asked: string[] = [];
    // One ticket every 1000 s: without the signal, the second would wait that long.
    const run = runReconciliation({
      config,
      messaging,
      serde,
      logger,
      lookups: agreeingCrm(asked, () => queueMicrotask(() => stop.abort())),
      rate: 0.001,
      signal: stop.signal,
    });
    const report = await run;
    expect(report).toMatchObject({ checked: 1, stopped: true });
    expect(asked).toEqual(['S0']);
    expect(await storedCursor(messaging, config.topics.cursors)).toMatchObject({ after: 'S0', complete: false });

    asked.length = 0;
    const next = await runReconciliation({
      config,
      messaging,
      serde,
      logger,
      lookups: agreeingCrm(asked),
      rate: 1_000,
    });
    expect(next).toMatchObject({ resumedAfter: 'S0', runId: report.runId, checked: ids.length - 1, stopped: false });
    expect(asked).toEqual(ids.slice(1));
    expect(await storedCursor(messaging, config.topics.cursors)).toMatchObject({ after: 'S7', complete: true });
  });

  it('keeps the cursor of a --since run apart: it checks every ticket changed since, and the full run it followed still goes on from its own cursor', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const logger = createLogger({ level: 'silent' });
    const stop = new AbortController();
    const asked: string[] = [];
    const full = await runReconciliation({
      config,
      messaging,
      serde,
      logger,
      lookups: agreeingCrm(asked, () => queueMicrotask(() => stop.abort())),
      rate: 0.001,
      signal: stop.signal,
    });
    expect(full).toMatchObject({ checked: 1, stopped: true });

    asked.length = 0;
    // Every ticket changed after the epoch: an operator asking for them gets them all.
    const since = await runReconciliation({
      config,
      messaging,
      serde,
      logger,
      lookups: agreeingCrm(asked),
      rate: 1_000,
      since: 0,
    });
    expect(since).toMatchObject({ resumedAfter: null, checked: ids.length, stopped: false });
    expect(asked).toEqual(ids);

    asked.length = 0;
    const next = await runReconciliation({
      config,
      messaging,
      serde,
      logger,
      lookups: agreeingCrm(asked),
      rate: 1_000,
    });
    expect(next).toMatchObject({ resumedAfter: 'S0', runId: full.runId, checked: ids.length - 1, stopped: false });
    expect(asked).toEqual(ids.slice(1));
  });

  it('begins no ticket once its signal has aborted', async () => {
    const { config, messaging, serde } = await openOnBridge(cleanup, ids);
    const asked: string[] = [];
    const report = await runReconciliation({
      config,
      messaging,
      serde,
      logger: createLogger({ level: 'silent' }),
      lookups: agreeingCrm(asked),
      rate: 1_000,
      signal: AbortSignal.abort(),
    });
    expect(report).toMatchObject({ checked: 0, stopped: true });
    expect(asked).toEqual([]);
  });
});
