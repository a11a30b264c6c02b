export { LifecycleProcessor, type ProcessorOptions } from './processor.ts';
export { DLQ_HEADERS, deadLetter, deadLetterTopic } from '../messaging/index.ts';
export { restorePartitions, type RestoreResult } from './restore.ts';
export { stateFromRecord, stateToRecord, toInbound } from './codec.ts';
