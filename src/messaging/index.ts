export type * from './types.ts';
export { createKafkaMessaging } from './platformatic/index.ts';
export type { KafkaSettings } from './settings.ts';
export { createInMemoryMessaging, type InMemoryMessagingOptions } from './in-memory/index.ts';
export { writerMismatch } from './writer-check.ts';
export { AvroSerde, type CompatibilityLevel, type Decoded, type RegistrySettings } from './avro-serde.ts';
export { REGISTRY_START_RETRY, type RegisterOptions } from './registration.ts';
export {
  SHIPPED_SCHEMAS,
  readSchemaDirectory,
  readSchemaFile,
  subjectForTopic,
  type SchemaFile,
} from './schema-files.ts';
export { HEADER_LENGTH, MAGIC_BYTE, readSchemaId } from './wire-format.ts';
export { readToEnd } from './read-to-end.ts';
export { requireTopics } from './require-topics.ts';
export { recordAtFault } from './record-at-fault.ts';
export { FAILING_AFTER_MS, HealthTracker, handlingOf, withTrouble } from './consumer-health.ts';
export { describeSkipped } from './skipped.ts';
export { DLQ_HEADERS, deadLetter, deadLetterTopic, sourceDeadLetter } from './dead-letter.ts';
export { murmur2, partitionFor } from './partitioner.ts';
export { MAX_RECORD_BYTES, recordBytes } from './chunk.ts';
export { carriedHeaders, readHeaders, setHeader } from './headers.ts';
