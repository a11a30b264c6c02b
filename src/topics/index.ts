export {
  CANONICAL,
  FOREIGN_INPUTS,
  INPUTS,
  RECORD_NAMES,
  SINK_INPUTS,
  deadLetterTopics,
  repartitionTopic,
  topicCatalogue,
  topicClashes,
  topicSpecs,
  type BridgeTopic,
  type CatalogueConfig,
  type CatalogueEntry,
  type ForeignInput,
  type InputName,
  type TopicRole,
} from './catalogue.ts';
export { KEEPING_SETTINGS, keepingOf, keepingShortfall, type Keeping, type KeepingShortfall } from './keeping.ts';
export { TOPIC_KEYS, topicsSchema, type Topics } from './schema.ts';
