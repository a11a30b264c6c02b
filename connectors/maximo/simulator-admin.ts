import { HttpError, type SimulatorServer } from '../../src/sdk/index.ts';
import type { MaximoSimulator } from './simulator.ts';

/**
 * The simulated Maximo's admin routes, which bypass faults: the crews' tick, corrupted changes,
 * drift (a deleted work order, a stalled feed, lost changes), late commits and an app server's
 * clock off the others'. Its own module beside simulator.ts, which holds the work-order rules and
 * is kept under 400 lines.
 */
export function serveAdmin(sim: MaximoSimulator, s: SimulatorServer): void {
  sim.corruptor.serveOver(s);
  s.route('POST', '/_sim/tick', () => ({ status: 200, body: { moved: sim.tick() } }), true);
  s.driftHooks({
    items: 'workorders',
    remove: (ref) => sim.deleteWorkOrder(ref),
    setFeedPaused: (paused) => (sim.feedPaused = paused),
    feedPaused: () => sim.feedPaused,
    loseNext: (n) => sim.loseNextChanges(n),
  });
  s.route(
    'POST',
    '/_sim/late-commits',
    (r) => {
      const holding = sim.holdNextChanges(Number((r.body as { count?: unknown } | null)?.count ?? 1));
      return { status: 200, body: { holding } };
    },
    true,
  );
  s.route(
    'POST',
    '/_sim/clock-skew',
    (r) => {
      const ms = Number((r.body as { ms?: unknown } | null)?.ms ?? 0);
      if (!Number.isInteger(ms)) throw new HttpError(400, 'ms must be a whole number');
      sim.clockSkewMs = ms;
      return { status: 200, body: { clockSkewMs: ms } };
    },
    true,
  );
  s.route('POST', '/_sim/late-commits/commit', () => ({ status: 200, body: { committed: sim.commitHeld() } }), true);
}
