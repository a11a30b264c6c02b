/**
 * Property-based tests of the lifecycle's invariants (DESIGN §3, §6, §7): random, seeded and
 * shrinking sequences of CRM events, department events, operator commands, repeats and reused ids
 * over a few tickets that link to each other, driven through decide() the way the processor runs
 * it. Link messages wait in a queue per target ticket (one partition keeps their order) and are
 * delivered at random points between the tickets' own events, as partitions interleave.
 *
 * The actions and their arbitraries, the run and the checks are in test/support/property/.
 *
 * A failure prints the seed and the shrunk sequence of actions; fc.assert's `seed` and `path`
 * replay it.
 */
import { beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import type { Policy } from '../../../src/domain/index.ts';
import { scenarioArb } from '../../support/property/actions.ts';
import { runScenario, scenarioPolicies, type Count } from '../../support/property/scenario.ts';

// A fixed seed, so a run is reproducible; PROPERTY_SEED, PROPERTY_RUNS and PROPERTY_LENGTH (most
// actions a scenario has) explore further.
const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 6000);
const LENGTH = Number(process.env['PROPERTY_LENGTH'] ?? 45);
/** PROPERTY_STATS=1 prints what the runs made (statuses, violations, commands): are the paths reached? */
const STATS = new Map<string, number>();
const count: Count | undefined = process.env['PROPERTY_STATS']
  ? (what) => STATS.set(what, (STATS.get(what) ?? 0) + 1)
  : undefined;

let policies: [Policy, ...Policy[]];
beforeAll(async () => {
  policies = await scenarioPolicies();
});

describe('domain invariants over random event sequences (DESIGN §3, §6, §7)', () => {
  it('hold after every event, and across tickets once links are delivered', { timeout: 60_000 + RUNS * 10 }, () => {
    fc.assert(
      fc.property(scenarioArb(LENGTH), (scenario) => runScenario(scenario, policies, count)),
      { seed: SEED, numRuns: RUNS },
    );
    if (process.env['PROPERTY_STATS'])
      console.log(
        [...STATS.entries()]
          .sort()
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
  });
});
