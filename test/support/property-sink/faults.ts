/**
 * How often a simulator fails a call, for the sinks' property tests: in every way the simulators
 * can, before the write or after it, few enough in all that a command retried as the sink runner
 * retries it gets through; most where a retry could do the write twice: a write done and its
 * answer lost to the client's time-out (lateAnswerMs is set past it by the test).
 */
import fc from 'fast-check';

export interface CallFaults {
  readonly errorRate: number;
  readonly timeoutRate: number;
  readonly malformedRate: number;
  readonly noContentRate: number;
  readonly lateAnswerRate: number;
  readonly proxyPageRate: number;
}

const rate = fc.constantFrom(0, 0.02, 0.04);

export const callFaults: fc.Arbitrary<CallFaults> = fc.record({
  errorRate: rate,
  timeoutRate: rate,
  malformedRate: rate,
  noContentRate: rate,
  lateAnswerRate: fc.constantFrom(0, 0.1, 0.2),
  proxyPageRate: rate,
});
