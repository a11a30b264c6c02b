/**
 * Property-based tests of the import's reading and mapping (README "Import and go-live"):
 * random, seeded and shrinking exports of random layouts (zone, date format, encoding, delimiter,
 * column order, line ends, quoting) run through importFile.
 *
 * The properties, generators, the run and the checks every run must pass are in
 * test/support/property-import/. A failure prints the seed and the shrunk export; fc.assert's
 * `seed` and `path` replay it.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { anyBytes, headerFaults, quoteFaults, rowFaults } from '../../support/property-import/properties-faults.ts';
import { roundTrip, sameEvents, timeWindow } from '../../support/property-import/properties-rows.ts';
import { cleanUp } from '../../support/property-import/run.ts';

// A fixed seed, so a run is reproducible; PROPERTY_SEED and PROPERTY_RUNS (a factor on each
// property's runs) explore further.
const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });
const TIMEOUT = 60_000 * Math.max(1, SCALE);

afterAll(cleanUp);

describe('import of generated exports (README "Import and go-live")', () => {
  it(
    'imports a well-formed export of N tickets as exactly those N, with the fields they carried',
    { timeout: TIMEOUT },
    () => fc.assert(roundTrip(), runs(300)),
  );

  it(
    'gives a ticket the same events (ids too) however its export is written, ordered, or how often imported',
    { timeout: TIMEOUT },
    () => fc.assert(sameEvents(), runs(150)),
  );

  it(
    'rejects each faulty row on its own line, naming a column, and imports every other one',
    { timeout: TIMEOUT },
    () => fc.assert(rowFaults(), runs(400)),
  );

  it(
    'drops no line unseen when quoting goes wrong: each row is imported as written or its lines rejected',
    { timeout: TIMEOUT },
    () => fc.assert(quoteFaults(), runs(1500)),
  );

  it(
    'leaves rows opened outside --since/--until out, counted apart, and imports the others as without a window',
    { timeout: TIMEOUT },
    () => fc.assert(timeWindow(), runs(150)),
  );

  it(
    'refuses a header without a mapped column, or with one twice, naming it and no value of the line',
    { timeout: TIMEOUT },
    () => fc.assert(headerFaults(), runs(150)),
  );

  it(
    'answers any bytes with rows read or rejected, or a CL_IMPORT_ error, and shows no contact data',
    { timeout: TIMEOUT },
    () => fc.assert(anyBytes(), runs(800)),
  );
});
