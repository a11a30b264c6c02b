export { LifecycleProcessor, type ProcessorOptions } from './processor.ts';
export { ThreadedProcessor, type ThreadedProcessorOptions } from './threads.ts';
export { DLQ_HEADERS, deadLetter, deadLetterTopic } from '../messaging/index.ts';
export { restorePartitions, type RestoreResult } from './restore.ts';
export { stateFromRecord, stateToRecord } from './codec.ts';
export { toInbound } from './inbound.ts';
export { failAfterCommit, faultHookFromEnv, killBeforeCommit } from './fault-hooks.ts';
export type { CommitHook } from './task.ts';
export { compactState, knowVocabulary } from './compact-state.ts';
export {
  alertsSection,
  isStuckTicketAlert,
  OLDEST_SHOWN,
  stuckOnTopic,
  type StuckAlert,
  type StuckTickets,
} from './stuck-tickets.ts';
export { ProcessorHost, type ProcessorHostOptions, type ReadinessParts } from './host.ts';
export { SkippedWatch, type WatchedConsumer } from './skipped-watch.ts';
