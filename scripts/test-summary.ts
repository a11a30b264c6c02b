// Prints the one line CI reads, "N passed, N failed", alone and last, from vitest's JSON report,
// and fails when the run failed or executed no test at all. Skipped tests, if any, are counted
// on a line before it: the closing line keeps its exact form.
import { readFileSync } from 'node:fs';

interface Report {
  numTotalTests?: number;
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  success?: boolean;
}

const file = process.argv[2] ?? 'reports/vitest.json';
let report: Report;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as Report;
} catch (err) {
  console.error(`no test report at ${file}: ${err instanceof Error ? err.message : String(err)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (passed + failed === 0) console.error('the test run executed no test');
if (skipped > 0) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 && report.success !== false ? 0 : 1);
