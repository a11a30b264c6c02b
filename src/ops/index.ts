export {
  REPLAY_HEADER,
  deadLetterScope,
  listDeadLetters,
  matches,
  planReplay,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterScope,
  type DeadLetterFilter,
  type ReplayAudit,
  type Skipped,
} from './dead-letters.ts';
export { listQuarantine, type QuarantineFilter } from './quarantine.ts';
export {
  parseBy,
  parseCode,
  parseDeadLetterId,
  parseInstant,
  parseKind,
  parseSinceUntil,
  parseTicket,
  parseTopic,
} from './filters.ts';
export { acknowledgeAlert, alertLine, openAlerts, SKIPPED_REASON } from './alerts.ts';
