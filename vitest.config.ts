import { defineConfig } from 'vitest/config';
import { processFolder } from './scripts/process-folder.ts';

// Whatever the tests and the processes they start write to the system's temporary folder goes
// into one folder of this run, removed when the run ends. Workers and their children inherit
// TMPDIR, which os.tmpdir() reads on every call.
process.env['TMPDIR'] = processFolder('closeloop-test-');

export default defineConfig({
  test: {
    // CI reads its pass/fail line from this file (see .ci/run); people read the default reporter.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'contract', include: ['test/contract/**/*.test.ts'] },
      },
      {
        extends: true,
        // Debian's chromium driven by playwright-core; .ci/run installs it.
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          // The first run downloads Kafka and Apicurio from Maven Central.
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
