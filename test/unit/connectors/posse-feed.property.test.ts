/**
 * Property test of the POSSE feed's cursor (README "Connectors": it reads by seq and waits at a
 * hole for holeWaitSeconds): seeded, shrinking scripts of jobs moving at the simulator
 * (test/support/property-posse/script.ts), polled by the real connector over HTTP. With every
 * late commit inside the hole wait, each change of a 311 job is read exactly once and a job's
 * changes in the order POSSE numbered them, whatever the feed query's shape, the numbers never
 * used and the restarts. PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { posseConfig } from '../../../connectors/posse/config.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { check } from '../../support/property/check.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';
import { judgeOnceInOrder, poller, readToTheEnd } from '../../support/property-feeds/seq-feed-run.ts';
import { script, type Script } from '../../support/property-posse/script.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);

/** A POSSE of its own for each run, on a clock the run moves, and the connector's source for it. */
async function posseAt(s: Script) {
  let now = 1_796_000_000_000;
  const { seed, shape, ...behaviour } = s.posse;
  const sim = new PosseSimulator({ token: 'tok', seed, clock: () => now, behaviour, ...shape });
  const url = await sim.start();
  const config = parseConnectorConfig('posse', posseConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    pageSize: s.pageSize,
  });
  const ctx = { logger: createLogger({ level: 'silent' }), env: { POSSE_API_TOKEN: 'tok' }, clock: () => now };
  return {
    sim,
    url,
    tick: (ms: number) => (now += ms),
    source() {
      const made = posse.source?.(config, ctx);
      if (!made) throw new Error('no source');
      return made;
    },
  };
}

async function play(s: Script): Promise<void> {
  const { sim, url, tick, source } = await posseAt(s);
  try {
    const p = poller(source);
    let jobs = 0;
    let own = 0;
    for (const step of s.steps) {
      switch (step.kind) {
        case 'open': {
          jobs += 1;
          const answer = await createPosseJob(url, jobs, { token: 'tok' });
          check(answer.ok, 'the job was not created', answer.status);
          break;
        }
        case 'advance':
          sim.advance(step.jobs);
          break;
        case 'own':
          own += 1;
          sim.departmentProcess({ jobId: `OWN-${own}`, department: 'housing', outcome: 'RECEIVED' });
          break;
        case 'permits':
          sim.saveOtherProcesses(step.count);
          break;
        case 'tick':
          tick(step.ms);
          break;
        case 'poll':
          await p.poll(step.restart);
      }
    }
    await readToTheEnd(p, tick, s.posse.commitLagMs);
    // Every change of a 311 job; none of the department's own jobs.
    const expected = sim.changes.filter((c) => c.ticketId !== null).map((c) => `posse:testville:${c.seq}`);
    judgeOnceInOrder(expected, p.events, (e) => `job ${e.workOrderId}`);
  } finally {
    await sim.stop();
  }
}

describe('POSSE feed properties', () => {
  it(
    "reads each 311 job's changes once and in order, across late commits, unused numbers, the query's shapes and restarts",
    { timeout: 120_000 * Math.max(1, SCALE) },
    async () => {
      await fc.assert(
        fc.asyncProperty(script, (s) => play(s)),
        { seed: SEED, numRuns: Math.max(1, Math.round(60 * SCALE)) },
      );
    },
  );
});
