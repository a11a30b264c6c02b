/**
 * Property tests of the lifecycle processor's input records, as foreign Kafka clients write
 * them: seeded, shrinking phases of CRM and department events (test/support/property-input/),
 * well-formed or spoilt (bytes flipped, cut short or extended; a wrong magic byte, a schema id
 * no one registered or another subject's; 0–5 bytes; no value; a key that is null, empty, not
 * UTF-8, another ticket's or the caller's phone or e-mail; binary, empty, huge, repeated, null
 * and forged headers; a city's own schema version), and CRM and department records, spoilt or
 * not, written to the inputs only closeloop writes. Each run goes through the real LifecycleProcessor on the in-memory messaging
 * with the loopback registry, and must show NO SILENT STALLS: every record dead-lettered once,
 * with its provenance and its own bytes, or taken and decided as the pure model decides it; the
 * well-formed records after the bad ones applied; no contact data in a dead letter's header, a
 * violation or the log; the processor ready, reading and committed to every input's end.
 *
 * A failure prints the seed and the shrunk plan; fc.assert's `seed` and `path` replay it.
 * PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further; PROPERTY_STATS=1 prints
 * which paths the runs reached.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { deadLettered, decidedAsModel, noContact, stillUp } from '../../support/property-input/checks.ts';
import { plan } from '../../support/property-input/plan.ts';
import { runPlan } from '../../support/property-input/run.ts';
import { Stats } from '../../support/property-input/stats.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** About 0.4 s a run on two cores; more runs get more time. */
const TIMEOUT_MS = Math.max(1, SCALE) * 120_000;

const cleanup = cleanupAfter('each');

describe("the lifecycle processor's input records, as foreign clients write them", () => {
  it(
    'each ends dead-lettered with its provenance, or decided as the model decides it, and the partition goes on',
    { timeout: TIMEOUT_MS },
    async () => {
      const { url } = await startLoopback(cleanup);
      const stats = new Stats();
      await fc.assert(
        fc.asyncProperty(plan, async (p) => {
          const o = await runPlan(url, p);
          const letters = deadLettered(o);
          await decidedAsModel(o, letters);
          noContact(o);
          stillUp(o);
          stats.add(o);
        }),
        // A stall fails each try after its wait: shrinking stops in time to print what it found.
        { seed: SEED, numRuns: runs(25), interruptAfterTimeLimit: TIMEOUT_MS - 30_000, markInterruptAsFailure: true },
      );
      stats.print();
    },
  );
});
