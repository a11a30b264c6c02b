export { LifecycleProcessor, type ProcessorOptions } from './processor.ts';
export { CANONICAL, INPUTS, deadLetterTopic, topicSpecs, type InputName } from './topics.ts';
export { DLQ_HEADERS, deadLetter } from './dead-letter.ts';
export { restorePartitions, type RestoreResult } from './restore.ts';
export { stateFromRecord, stateToRecord, toInbound } from './codec.ts';
