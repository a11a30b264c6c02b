export {
  candidates,
  runReconciliation,
  type NamedTicketGap,
  type ReconcileOptions,
  type ReconcileOutcome,
  type ReconcileReport,
} from './engine.ts';
export { DRIFT_REASON, driftAlertId, driftReason } from './drift-alerts.ts';
export { DRIFT_ACTIONS, actionFor, type DriftAction } from './heal.ts';
export { reconcileLookups, type ReconcileLookups } from './lookups.ts';
export { TokenBucket } from './token-bucket.ts';
