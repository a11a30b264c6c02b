/**
 * Property-based tests of the department KPIs (docs/kpi.md, definition version 3): random, seeded
 * and shrinking months of tickets (every status version, in zones with DST jumps and odd offsets,
 * due dates at local midnight and 1 ms either side, responses, resolutions, holds, reopens,
 * cancels and links before, at and after their due dates), violations and drift, folded as the
 * KPI job reads the status topic and computed by computeKpis.
 *
 * The generators, the oracle (the document's rules re-read by hand) and the properties are in
 * test/support/property-kpi/. A failure prints the seed and the shrunk inputs; fc.assert's `seed`
 * and `path` replay it.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  consistent,
  monthForm,
  oracle,
  oracleLatestOnly,
  reproducible,
  rounding,
} from '../../support/property-kpi/properties.ts';
import { changeAt, laterExclusion, otherMonths, pastMonthsFinal } from '../../support/property-kpi/properties-final.ts';

// A fixed seed, so a run is reproducible; PROPERTY_SEED and PROPERTY_RUNS (a factor on each
// property's runs) explore further.
const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });
const TIMEOUT = 60_000 * Math.max(1, SCALE);

describe('department KPIs of generated months (docs/kpi.md)', () => {
  it('are the same records however the topic orders and repeats the statuses', { timeout: TIMEOUT }, () =>
    fc.assert(reproducible(), runs(300)),
  );

  it(
    'follow the document: months, departments, R3 exclusions, verdicts, still open past due',
    { timeout: TIMEOUT },
    () => fc.assert(oracle(), runs(600)),
  );

  it('follow the document in busy months too (nearest ranks of many resolutions)', { timeout: TIMEOUT }, () =>
    fc.assert(oracle(24), runs(150)),
  );

  it('follow the document for a reader with only the latest statuses', { timeout: TIMEOUT }, () =>
    fc.assert(oracleLatestOnly(), runs(300)),
  );

  it('are not changed by tickets, violations and drift wholly in other months', { timeout: TIMEOUT }, () =>
    fc.assert(otherMonths(), runs(300)),
  );

  it('stop changing once every due date of the month is behind now', { timeout: TIMEOUT }, () =>
    fc.assert(pastMonthsFinal(), runs(300)),
  );

  it(
    'change with time alone exactly when figuresChangeAt says, which the public site caches them until',
    { timeout: TIMEOUT },
    () => fc.assert(changeAt(), runs(300)),
  );

  it('keep a verdict when a cancel, duplicate link or follow-up link comes after it', { timeout: TIMEOUT }, () =>
    fc.assert(laterExclusion(), runs(300)),
  );

  it('give percentages and medians their counts say, sorted, with no NaN', { timeout: TIMEOUT }, () =>
    fc.assert(consistent(), runs(300)),
  );

  it('round percentages and days half away from zero, as R10 and R6 say', { timeout: TIMEOUT }, () =>
    fc.assert(rounding(), runs(2000)),
  );

  it('refuse a month that is not YYYY-MM with the documented error', { timeout: TIMEOUT }, () =>
    fc.assert(monthForm(), runs(500)),
  );
});
