import { isClosed, isTerminalWork } from '../lifecycle.ts';
import { holdingDepartmentOf } from '../notes.ts';
import type { TicketState, WorkOrderRecord } from '../state.ts';
import type { TicketLifecycleState } from '../types.ts';
import type { AlertReason, OpenAlert, SentinelPolicy } from './types.ts';
import { seenAt, watchOf } from './watch.ts';

const MINUTE = 60_000;

export const minutes = (ms: number) => `${Math.round(ms / MINUTE)} min`;
export const iso = (at: number) => new Date(at).toISOString();

/**
 * Something the sentinel watches in a ticket, whatever the time: what it is about, since when it
 * holds (the input the limit runs from), and its limit. Its alert is due once the limit passed;
 * what the alert says is conditionDetail's.
 */
export interface Condition {
  readonly reason: AlertReason;
  /** A work order id, or '' for the ticket as a whole. */
  readonly subject: string;
  readonly department: string | null;
  readonly since: number;
  readonly limitMinutes: number;
}

/** Whether a limit running from `since` has passed by `at`. */
const passed = (since: number, limitMinutes: number, at: number) => at - since > limitMinutes * MINUTE;

/** Whether the condition's limit has passed by `at`. */
export const overdueAt = (c: Condition, at: number) => passed(c.since, c.limitMinutes, at);

/**
 * Who a ticket in a state waits on: the department holding it, or 311 (null) while NEW. A change
 * of holder starts the state's limit again (see publish), as it is another department's to meet.
 */
export function holderIn(state: TicketLifecycleState, workOrders: readonly WorkOrderRecord[]): string | null {
  return state === 'NEW' ? null : holdingDepartmentOf(workOrders);
}

/** One condition, told field by field: true stops the walk. */
type Visit = (
  reason: AlertReason,
  subject: string,
  department: string | null,
  since: number,
  limitMinutes: number,
) => boolean;

/**
 * The rules, in one place: walks every condition watched in the ticket as it is (from its state
 * alone, not the clock) until `visit` says stop, and whether it did. Fields, not objects: the
 * sentinel runs after every event, and on nearly all of them nothing is overdue (anyOverdue).
 */
function walkConditions(t: TicketState, policy: SentinelPolicy, visit: Visit): boolean {
  const w = watchOf(t);
  const limit = policy.stateLimitsMinutes[t.state];
  if (limit !== undefined && !isClosed(t.state)) {
    if (visit(`STUCK_${t.state}`, '', holderIn(t.state, t.workOrders), w.stateSince, limit)) return true;
  }
  const unconfirmed = policy.statusUnconfirmedMinutes;
  const sentAt = w.statusSentAt;
  if (unconfirmed !== null && t.version > w.confirmedVersion && sentAt !== null) {
    if (visit('STATUS_UNCONFIRMED', '', null, sentAt, unconfirmed)) return true;
  }
  const silence = policy.workOrderSilenceMinutes;
  for (const wo of t.workOrders) {
    const seen = seenAt(t, wo);
    if (silence === null || isTerminalWork(wo.state) || seen === undefined) continue;
    if (visit('WORK_ORDER_SILENT', wo.workOrderId, wo.department, seen, silence)) return true;
  }
  // A department that said when (scheduled for, on hold until) and then let the date pass
  // without a word: the CRM shows the citizen a date gone by, and no other watch sees it before
  // the work order's month of silence. One alert per open work order, cleared by a new date or
  // its end. A linked ticket shows its parent's date (expectedAtOf), which the parent's own
  // watch covers; its own work orders are being withdrawn, and their dates are no longer the
  // citizen's.
  const expectedLimit = policy.expectedOverdueMinutes ?? null;
  if (expectedLimit === null || isClosed(t.state) || t.parent?.accepted === true) return false;
  for (const wo of t.workOrders) {
    const expected = wo.expectedAt;
    if (expected === null || isTerminalWork(wo.state)) continue;
    if (visit('EXPECTED_DATE_PASSED', wo.workOrderId, wo.department, expected, expectedLimit)) return true;
  }
  return false;
}

/** Every condition watched in the ticket as it is, from its state alone (not the clock). */
export function conditionsOf(t: TicketState, policy: SentinelPolicy): Condition[] {
  const found: Condition[] = [];
  walkConditions(t, policy, (reason, subject, department, since, limitMinutes) => {
    found.push({ reason, subject, department, since, limitMinutes });
    return false;
  });
  return found;
}

/** Whether any condition of conditionsOf is overdue at `now`, with no condition made. */
export function anyOverdue(t: TicketState, policy: SentinelPolicy, now: number): boolean {
  return walkConditions(t, policy, (_r, _s, _d, since, limitMinutes) => passed(since, limitMinutes, now));
}

/** What a condition's alert says at `now`, of the ticket it was found in. */
export function conditionDetail(t: TicketState, c: Condition, now: number): string {
  const late = minutes(now - c.since);
  if (c.reason === 'STATUS_UNCONFIRMED') {
    return `status v${t.version} sent ${late} ago; the CRM sink confirmed v${watchOf(t).confirmedVersion}`;
  }
  const wo = t.workOrders.find((w) => w.workOrderId === c.subject);
  if (c.reason === 'WORK_ORDER_SILENT') {
    return `work order ${c.subject} (${wo?.state}) has had no event from ${c.department} for ${late}`;
  }
  if (c.reason === 'EXPECTED_DATE_PASSED') {
    return (
      `work order ${c.subject} (${wo?.state}) was expected by ${iso(c.since)}, ` +
      `${late} ago (limit ${c.limitMinutes} min), and ${c.department} has given no new date`
    );
  }
  const held = c.department ? `; held by ${c.department}` : '; with 311';
  return `${t.state} for ${late} (limit ${c.limitMinutes} min)${held}`;
}

type Key = Pick<OpenAlert, 'reason' | 'subject'>;

/** The same thing watched: one alert id. */
export const sameKey = (a: Key, b: Key) => a.reason === b.reason && a.subject === b.subject;

/**
 * Why an open alert no longer holds, for its CLEARED record, from the ticket as it is and what is
 * watched under the alert's key now (`condition`, if anything).
 */
export function clearedDetail(
  t: TicketState,
  a: OpenAlert,
  policy: SentinelPolicy | null | undefined,
  condition: Condition | undefined,
): string {
  if (!policy) return 'the stuck-ticket sentinel is off (sentinel: off): nothing is watched';
  if (condition && condition.department !== a.department) {
    return `rerouted from ${a.department ?? '311'} to ${condition.department ?? '311'}; still ${t.state}, its limit runs again from ${iso(condition.since)}`;
  }
  if (condition && condition.since === a.since) {
    return `the limit is now ${condition.limitMinutes} min, not passed when it was raised`;
  }
  if (condition) return changedDetail(t, a, condition);
  return goneDetail(t, a, policy);
}

/** The condition holds anew: its input moved, and the limit runs from the new one. */
function changedDetail(t: TicketState, a: OpenAlert, c: Condition): string {
  const from = iso(c.since);
  if (a.reason === 'STATUS_UNCONFIRMED') return `status v${t.version} sent ${from}: the limit runs from then`;
  if (a.reason === 'WORK_ORDER_SILENT') return `${a.department ?? 'the department'} spoke about it ${from}`;
  if (a.reason === 'EXPECTED_DATE_PASSED') return `${a.department ?? 'the department'} gave a new date: ${from}`;
  return `back in ${t.state} ${from}: the limit runs from then`;
}

/** Nothing is watched under the alert's key any more: the ticket moved, or the watch was removed. */
function goneDetail(t: TicketState, a: OpenAlert, policy: SentinelPolicy): string {
  const wo = t.workOrders.find((w) => w.workOrderId === a.subject);
  if (a.reason.startsWith('STUCK_')) {
    const state = a.reason.slice('STUCK_'.length);
    return `STUCK_${t.state}` === a.reason ? `no limit for ${state} any more` : `moved to ${t.state}`;
  }
  if (a.reason === 'STATUS_UNCONFIRMED') {
    const w = watchOf(t);
    if (w.confirmedVersion >= t.version) return `the CRM sink confirmed v${w.confirmedVersion}`;
    return 'the CRM sink confirmations are not watched any more';
  }
  if (wo && isTerminalWork(wo.state)) return `work order ${wo.workOrderId} is ${wo.state}`;
  if (a.reason === 'EXPECTED_DATE_PASSED') {
    if (isClosed(t.state)) return `moved to ${t.state}`;
    if (t.parent?.accepted === true) return `linked to ${t.parent.ticketId}, whose date the CRM shows`;
    if (wo?.expectedAt === null) return `${wo.department} withdrew the date`;
    if ((policy.expectedOverdueMinutes ?? null) === null) return 'expected dates are not watched any more';
  }
  if (a.reason === 'WORK_ORDER_SILENT' && policy.workOrderSilenceMinutes === null) {
    return 'work-order silence is not watched any more';
  }
  return wo ? `work order ${wo.workOrderId} is ${wo.state}` : `work order ${a.subject} is no longer held`;
}
