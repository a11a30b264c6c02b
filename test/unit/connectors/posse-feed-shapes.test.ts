import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator, type PosseSimulatorOptions } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

const cleanup = cleanupAfter('each');

/** The clock the simulator and the bridge share, steered by the test. */
const T0 = 1_730_000_000_000;
const WAIT_MS = 120_000;

/**
 * The real POSSE source against a simulator whose feed query is shaped as some POSSE setups have
 * it, polled as the runner polls: the cursor stored when the batch has changes or moves it on.
 */
async function shaped(options: PosseSimulatorOptions, pageSize = 100) {
  const clock = { now: T0 };
  const sim = new PosseSimulator({ ...options, clock: () => clock.now });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    pageSize,
    holeWaitSeconds: WAIT_MS / 1_000,
  });
  const source = posse.source?.(config, { logger: createLogger({ level: 'silent' }), env: {}, clock: () => clock.now });
  if (!source) throw new Error('posse has no source');
  const state = { cursor: null as string | null, published: [] as (number | null)[] };
  const poll = async () => {
    const batch = await source.poll(state.cursor);
    const found = batch.records.length + (batch.rejected?.length ?? 0);
    const moves = batch.cursor !== state.cursor && (source.cursorAdvances?.(state.cursor, batch.cursor) ?? true);
    state.published.push(...batch.records.map((r) => r.value.envelope.sequence));
    if (moves) state.cursor = batch.cursor;
    // What the runner makes of it: a batch of changes whose cursor does not move is refused.
    return { batch, stuck: found > 0 && !moves };
  };
  /** Job T-<n>#1 is created and its first process completes: one change in the feed. */
  const job = async (n: number) => {
    await createPosseJob(url, n);
    sim.advance(1);
    sim.replan(`T-${n}#1`, []);
  };
  return { sim, clock, state, poll, job };
}

describe('posse feed against a POSSE that scans rows and answers the 311 ones', () => {
  // Every page after 150 permit rows was empty with the last row scanned as its watermark, 101:
  // the cursor stayed at 1 for good, the change at 252 was never read, and readiness stayed green.
  it('reads on past a run of other rows longer than a page once the wait is over, and reads what follows', async () => {
    const { sim, clock, state, poll, job } = await shaped({ feedScansRows: true });
    await job(1);
    sim.saveOtherProcesses(250);
    await job(2);
    expect(sim.changes.map((c) => c.seq)).toEqual([1, 252]);

    await poll();
    expect([state.published, state.cursor]).toEqual([[1], '1']);
    // Rows 2-101 scanned, none a 311 job's: held for the wait, as a change committing late there
    // must still be read, and quiet meanwhile.
    const held = await poll();
    expect([held.batch.cursor, held.batch.warnings]).toEqual(['1', []]);
    clock.now = T0 + WAIT_MS - 1;
    expect((await poll()).batch.cursor).toBe('1');
    clock.now = T0 + WAIT_MS;
    const passed = await poll();
    expect([passed.batch.records, passed.batch.cursor, passed.stuck]).toEqual([[], '101', false]);
    // Each run of a page's rows is waited for in its turn, then 252 is read.
    for (let polls = 0; polls < 10 && state.cursor !== '252'; polls += 1) {
      clock.now += WAIT_MS / 2;
      expect((await poll()).batch.warnings).toEqual([]);
    }
    expect([state.published, state.cursor]).toEqual([[1, 252], '252']);
  });
});

describe('posse feed against a POSSE whose since is inclusive', () => {
  // The page answered the change at the cursor again: published twice, and on an idle feed the
  // runner paused the source as CL_SOURCE_CURSOR_STUCK, the cursor not moving past it.
  it('reads the change at the cursor once, and an idle feed is idle, not stuck', async () => {
    const { sim, state, poll, job } = await shaped({ inclusiveSince: true });
    await job(1);
    await job(2);
    expect((await poll()).batch.records).toHaveLength(2);
    const idle = await poll();
    expect([idle.batch.records, idle.batch.cursor, idle.stuck]).toEqual([[], '2', false]);
    await job(3);
    const next = await poll();
    expect([next.batch.records.map((r) => r.value.envelope.sequence), next.stuck]).toEqual([[3], false]);
    expect([state.published, state.cursor]).toEqual([[1, 2, 3], '3']);
    expect(sim.changes.map((c) => c.seq)).toEqual([1, 2, 3]);
  });

  // Found by the feed's property test: in pages of one, the page after the cursor held the
  // change at the cursor and nothing else, every poll: nothing after it was ever read, while the
  // source looked idle. A page is now asked for two at least.
  it('reads on in pages of one (pageSize 1), though the change at the cursor fills such a page', async () => {
    const { state, poll, job } = await shaped({ inclusiveSince: true }, 1);
    await job(1);
    await job(2);
    await job(3);
    for (let polls = 0; polls < 6; polls += 1) expect((await poll()).stuck).toBe(false);
    expect([state.published, state.cursor]).toEqual([[1, 2, 3], '3']);
  });

  it('reads on in pages of one past rows of other processes, when the query scans rows', async () => {
    const { sim, clock, state, poll, job } = await shaped({ inclusiveSince: true, feedScansRows: true }, 1);
    await job(1);
    sim.saveOtherProcesses(1);
    await job(2);
    expect(sim.changes.map((c) => c.seq)).toEqual([1, 3]);
    expect((await poll()).batch.records).toHaveLength(1);
    // The permit's row at 2, looked over by a page of two (the row at the cursor and it), is a
    // hole: passed once the wait is over, and 3 read after it.
    expect((await poll()).batch.records).toHaveLength(0);
    clock.now = T0 + WAIT_MS;
    for (let polls = 0; polls < 6; polls += 1) expect((await poll()).stuck).toBe(false);
    expect([state.published, state.cursor]).toEqual([[1, 3], '3']);
  });
});
