export {
  REPLAY_AUDIT_TOPIC,
  REPLAY_HEADER,
  listDeadLetters,
  matches,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterFilter,
  type ReplayAudit,
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
