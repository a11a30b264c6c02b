export {
  deadLetterScope,
  listDeadLetters,
  matches,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterScope,
  type DeadLetterFilter,
} from './dead-letters.ts';
export {
  AUDIT_PART_LIST_BYTES,
  auditRecords,
  mergeAuditParts,
  type ReplayAudit,
  type ReplayAuditPart,
  type Skipped,
} from './replay-audit.ts';
export {
  REPLAY_AT_HEADER,
  REPLAY_HEADER,
  REPLAY_ID_HEADER,
  planReplay,
  readReplayHistory,
  replayHistoryOf,
  replayState,
  type HistoryEntry,
  type ReplayHistory,
  type ReplayState,
} from './replay-plan.ts';
export { listQuarantine, type QuarantineFilter } from './quarantine.ts';
export {
  parseAlertId,
  parseBy,
  parseCode,
  parseDeadLetterId,
  parseInstant,
  parseKind,
  parseReason,
  parseSinceUntil,
  parseTicket,
  parseTopic,
} from './filters.ts';
export {
  ACKNOWLEDGED_REASONS,
  ALERTS_REFRESH_MS,
  acknowledgeAlert,
  alertAge,
  alertLine,
  openAlerts,
  SKIPPED_REASON,
  type AlertsReadReport,
} from './alerts.ts';
