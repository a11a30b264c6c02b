export { SinkRunner, type SinkRunnerOptions, type SinkRunnerStatus } from './sink-runner.ts';
export { CURSOR_TOPIC, SourceRunner, type SourceRunnerOptions, type SourceRunnerStatus } from './source-runner.ts';
export {
  outageDetail,
  outageReason,
  PAUSE_REASONS,
  PauseSet,
  probeDelay,
  retryAfterDetail,
  type PauseReason,
} from './pause.ts';
export { RejectionBreaker } from './rejection-breaker.ts';
export { SourceLease, type SourceLeaseOptions, type SourceLeaseState } from './source-lease.ts';
