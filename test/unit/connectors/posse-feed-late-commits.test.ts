import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

const cleanup = cleanupAfter('each');

/** The clock the simulator and the bridge share, steered by the test. */
const T0 = 1_730_000_000_000;
const LAG_MS = 20_000;
const WAIT_MS = 120_000;

/**
 * The real POSSE source against the simulator numbering its changes as POSSE does: a sequence
 * with gaps that never fill, and changes that commit after later ones. The department works
 * through its jobs a few at a time while the bridge polls as the runner does.
 */
async function run(seed: number, pageSize: number, maxPageSize?: number) {
  let now = T0;
  const sim = new PosseSimulator({
    seed,
    clock: () => now,
    maxPageSize,
    behaviour: {
      sequenceGapRate: 0.15,
      lateCommitRate: 0.2,
      commitLagMs: LAG_MS,
      holdRate: 0.3,
      cancelRate: 0.1,
      loseChangeRate: 0.05,
    },
  });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    pageSize,
    holeWaitSeconds: WAIT_MS / 1_000,
  });
  const source = posse.source?.(config, { logger: createLogger({ level: 'silent' }), env: {}, clock: () => now });
  if (!source) throw new Error('posse has no source');

  const published: WorkOrderEvent[] = [];
  let cursor: string | null = null;
  const drain = async () => {
    for (let polls = 0; polls < 50; polls += 1) {
      const batch = await source.poll(cursor);
      expect(batch.rejected ?? []).toEqual([]);
      published.push(...batch.records.map((r) => r.value));
      if (batch.records.length > 0 || source.cursorAdvances?.(cursor, batch.cursor)) cursor = batch.cursor;
      if (batch.more !== true) return;
    }
    throw new Error('the feed never ran dry');
  };
  const create = (n: number) => createPosseJob(url, n);

  for (let step = 0; step < 40; step += 1) {
    if (step < 25) for (let n = 0; n < 3; n += 1) await create(step * 3 + n);
    sim.advance(5);
    await drain();
    now += 3_000;
  }
  while (sim.tick() > 0) {
    await drain();
    now += 3_000;
  }
  // Every late change has committed and every hole has outlived the wait. The read from the
  // first hole looks at one page a poll, so the bridge catches up over the polls that follow, as
  // the runner makes them on its interval (a page of 3 a poll when POSSE caps them so).
  now += LAG_MS + WAIT_MS;
  const end = String(sim.changes.at(-1)?.seq);
  for (let polls = 0; polls < 400 && cursor !== end; polls += 1) {
    await drain();
    now += 3_000;
  }
  return { sim, published, cursor };
}

describe('posse feed against a POSSE whose sequence has gaps and whose changes commit late', () => {
  // 7: a hole and the changes above it span many pages. 1000: one page reaches from the first
  // hole to the head on every poll. 100 capped at 3: a POSSE whose pages hold fewer changes than
  // asked for, which the read from the hole took for the feed's end, passing holes it never read
  // over and the late commits in them.
  it.each<[number, number, number | undefined]>([
    ...[1, 2, 3, 4, 5].flatMap((seed) =>
      [7, 1000].map((pageSize): [number, number, undefined] => [seed, pageSize, undefined]),
    ),
    ...[1, 2, 3, 4, 5].map((seed): [number, number, number] => [seed, 100, 3]),
  ])(
    'publishes every change once and ends at the feed end (seed %i, pages of %i, capped at %s)',
    async (seed, pageSize, maxPageSize) => {
      const { sim, published, cursor } = await run(seed, pageSize, maxPageSize);
      const seqs = sim.changes.map((c) => c.seq);
      const last = seqs.at(-1) ?? 0;
      // The run met what it is about: holes that never filled, changes read after later ones, and
      // changes lost outright (which take no seq and are not published).
      expect(last).toBeGreaterThan(seqs.length);
      const order = published.map((e) => e.envelope.sequence ?? 0);
      expect(order.some((seq, i) => seq < Math.max(0, ...order.slice(0, i)))).toBe(true);
      expect(sim.lost.length).toBeGreaterThan(0);

      // Every change the simulator made, once, as it was made.
      expect([...published].sort((a, b) => (a.envelope.sequence ?? 0) - (b.envelope.sequence ?? 0))).toEqual(
        sim.changes.map((c) =>
          expect.objectContaining({
            envelope: expect.objectContaining({ sequence: c.seq, occurredAt: c.at }),
            workOrderId: c.externalRef,
            rawStatus: c.outcome,
            systemClosed: c.jobStatus === 'Closed',
          }),
        ),
      );
      // Past the wait, no hole holds the cursor: it stands at the feed's last change.
      expect(cursor).toBe(String(last));

      // A job's events in the order its processes completed, where the read from the first hole
      // reaches the head. With the hole more than a page below the head, a job's change committed
      // late can lie above that read while the job's next change is in the page after the head:
      // the later one is published first.
      if (Math.min(pageSize, maxPageSize ?? pageSize) < last) return;
      for (const ref of new Set(sim.changes.map((c) => c.externalRef)))
        expect(published.filter((e) => e.workOrderId === ref).map((e) => e.envelope.sequence)).toEqual(
          sim.changes.filter((c) => c.externalRef === ref).map((c) => c.seq),
        );
    },
  );
});
