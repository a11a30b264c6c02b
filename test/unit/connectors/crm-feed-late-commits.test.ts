import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator, type CrmSimulatorOptions } from '../../../connectors/crm-rest/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type Source, type CrmTicketEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

/** The clock the simulator and the bridge share, steered by the test. */
const T0 = 1_730_000_000_000;
const WAIT_MS = 120_000;

/**
 * The real CRM source against the simulator's feed as an outbox table numbered by a database
 * sequence: a change takes its seq when it is saved and shows when its transaction commits.
 */
async function crmFeed(options: CrmSimulatorOptions = {}, pageSize = 10) {
  const clock = { now: T0 };
  const sim = new CrmSimulator({ token: 'tok', clock: () => clock.now, ...options });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const logged: string[] = [];
  const config = parseConnectorConfig('crm-rest', crmRest.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    pageSize,
    holeWaitSeconds: WAIT_MS / 1_000,
  });
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void logged.push(l) } });
  const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: () => clock.now });
  if (!source) throw new Error('crm-rest has no source');
  return { sim, source, clock, logged };
}

/** Polls as the runner does: a batch's cursor is stored when it has records or moves on. */
function poller(source: Source<CrmTicketEvent>) {
  let cursor: string | null = null;
  const read: string[] = [];
  return {
    read,
    cursor: () => cursor,
    async poll() {
      const batch = await source.poll(cursor);
      expect(batch.rejected ?? []).toEqual([]);
      read.push(...batch.records.map((r) => `${r.key} ${r.value.kind}`));
      if (batch.records.length > 0 || source.cursorAdvances?.(cursor, batch.cursor)) cursor = batch.cursor;
      return batch;
    },
  };
}

describe('crm-rest feed: a change committed late', () => {
  // The cursor was one number: once past seq 3, the change at seq 2 that committed after it was
  // never read, with no warning and no metric.
  it('reads a change that commits after a later one, within holeWaitSeconds', async () => {
    const { sim, source, clock } = await crmFeed({ commitLagMs: 30_000 });
    const a = sim.createTicket({ serviceCode: 'SR-A' }).id;
    sim.commitLate();
    const b = sim.createTicket({ serviceCode: 'SR-B' }).id;
    const c = sim.createTicket({ serviceCode: 'SR-C' }).id;
    const feed = poller(source);
    await feed.poll();
    expect(feed.read).toEqual([`${a} OPENED`, `${c} OPENED`]);
    // Held at the hole, seq 3 remembered as read: the same poll again publishes nothing.
    expect(JSON.parse(feed.cursor() ?? '')).toMatchObject({ seq: 1 });
    await feed.poll();
    expect(feed.read).toHaveLength(2);
    clock.now += 30_000;
    await feed.poll();
    expect(feed.read).toEqual([`${a} OPENED`, `${c} OPENED`, `${b} OPENED`]);
    expect(feed.cursor()).toBe('3');
    expect(source.cursorAdvances?.('3', feed.cursor() ?? '')).toBe(false);
  });

  it('passes a hole still empty after holeWaitSeconds, and logs the seqs it passed', async () => {
    const { sim, source, clock, logged } = await crmFeed({ commitLagMs: 10 * WAIT_MS });
    sim.createTicket({ serviceCode: 'SR-A' });
    sim.commitLate();
    sim.createTicket({ serviceCode: 'SR-B' });
    sim.createTicket({ serviceCode: 'SR-C' });
    const feed = poller(source);
    await feed.poll();
    clock.now += WAIT_MS - 1;
    await feed.poll();
    expect(JSON.parse(feed.cursor() ?? '')).toMatchObject({ seq: 1 });
    clock.now += 1;
    await feed.poll();
    expect(feed.cursor()).toBe('3');
    const line = logged.find((l) => l.includes('CRM feed: read on past seqs that never appeared')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ level: 30, seqs: ['2'], passedTotal: 1 });
  });

  // A CRM that answers its latest seq as nextCursor counts a change not committed yet: the
  // empty pages stand ahead of the cursor, and the seq is passed only after the wait.
  it('reads a late commit at the end of a feed whose pages answer its latest seq', async () => {
    const { sim, source, clock } = await crmFeed({ nextCursor: 'head', commitLagMs: 60_000 });
    const a = sim.createTicket({ serviceCode: 'SR-A' }).id;
    sim.commitLate();
    const b = sim.createTicket({ serviceCode: 'SR-B' }).id;
    const feed = poller(source);
    await feed.poll();
    expect([feed.read, feed.cursor()]).toEqual([[`${a} OPENED`], '1']);
    await feed.poll();
    expect(feed.cursor()).toBe('1');
    clock.now += 60_000;
    await feed.poll();
    expect([feed.read, feed.cursor()]).toEqual([[`${a} OPENED`, `${b} OPENED`], '2']);
  });

  // Seeded: a fifth of the changes commit late while the bridge polls as the runner does.
  it('publishes every change once from a feed whose changes commit out of order', async () => {
    const { sim, source, clock } = await crmFeed({ lateCommitRate: 0.2, commitLagMs: 20_000, seed: 7 }, 4);
    const feed = poller(source);
    for (let step = 0; step < 30; step += 1) {
      for (let n = 0; n < 3; n += 1) sim.createTicket({ serviceCode: `SR-${step}-${n}` });
      for (let polls = 0; polls < 20 && (await feed.poll()).more === true; polls += 1);
      clock.now += 3_000;
    }
    for (let step = 0; step < 10; step += 1) {
      await feed.poll();
      clock.now += 3_000;
    }
    const saved = sim.changes.map((c) => `${c.ticketId} ${c.kind}`);
    expect(saved.length).toBe(90);
    expect([...feed.read].sort()).toEqual([...saved].sort());
    expect(feed.cursor()).toBe('90');
  });
});
