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
 * holds (the input the limit runs from), and its limit. Its alert is due once the limit passed.
 */
export interface Condition {
  readonly reason: AlertReason;
  /** A work order id, or '' for the ticket as a whole. */
  readonly subject: string;
  readonly department: string | null;
  readonly since: number;
  readonly limitMinutes: number;
  /** What its alert says at `now`. */
  readonly say: (now: number) => string;
}

/** Whether the limit has passed by `at`. */
export const overdueAt = (c: Condition, at: number) => at - c.since > c.limitMinutes * MINUTE;

/**
 * Who a ticket in a state waits on: the department holding it, or 311 (null) while NEW. A change
 * of holder starts the state's limit again (see publish), as it is another department's to meet.
 */
export function holderIn(state: TicketLifecycleState, workOrders: readonly WorkOrderRecord[]): string | null {
  return state === 'NEW' ? null : holdingDepartmentOf(workOrders);
}

/** Every condition watched in the ticket as it is, from its state alone (not the clock). */
export function conditionsOf(t: TicketState, policy: SentinelPolicy): Condition[] {
  const w = watchOf(t);
  const found: Condition[] = [];
  const limit = policy.stateLimitsMinutes[t.state];
  if (limit !== undefined && !isClosed(t.state)) {
    const department = holderIn(t.state, t.workOrders);
    found.push({
      reason: `STUCK_${t.state}`,
      subject: '',
      department,
      since: w.stateSince,
      limitMinutes: limit,
      say: (now) =>
        `${t.state} for ${minutes(now - w.stateSince)} (limit ${limit} min)${department ? `; held by ${department}` : '; with 311'}`,
    });
  }
  const unconfirmed = policy.statusUnconfirmedMinutes;
  const sentAt = w.statusSentAt;
  if (unconfirmed !== null && t.version > w.confirmedVersion && sentAt !== null) {
    found.push({
      reason: 'STATUS_UNCONFIRMED',
      subject: '',
      department: null,
      since: sentAt,
      limitMinutes: unconfirmed,
      say: (now) =>
        `status v${t.version} sent ${minutes(now - sentAt)} ago; the CRM sink confirmed v${w.confirmedVersion}`,
    });
  }
  const silence = policy.workOrderSilenceMinutes;
  for (const wo of t.workOrders) {
    const seen = seenAt(t, wo);
    if (silence === null || isTerminalWork(wo.state) || seen === undefined) continue;
    found.push({
      reason: 'WORK_ORDER_SILENT',
      subject: wo.workOrderId,
      department: wo.department,
      since: seen,
      limitMinutes: silence,
      say: (now) =>
        `work order ${wo.workOrderId} (${wo.state}) has had no event from ${wo.department} for ${minutes(now - seen)}`,
    });
  }
  found.push(...expectedDates(t, policy));
  return found;
}

/**
 * A department that said when (scheduled for, on hold until) and then let the date pass without
 * a word: the CRM shows the citizen a date gone by, and no other watch sees it before the work
 * order's month of silence. One alert per open work order, cleared by a new date or its end.
 */
function expectedDates(t: TicketState, policy: SentinelPolicy): Condition[] {
  const limit = policy.expectedOverdueMinutes ?? null;
  // A linked ticket shows its parent's date (expectedAtOf), which the parent's own watch covers;
  // its own work orders are being withdrawn, and their dates are no longer the citizen's.
  if (limit === null || isClosed(t.state) || t.parent?.accepted === true) return [];
  const found: Condition[] = [];
  for (const wo of t.workOrders) {
    const expected = wo.expectedAt;
    if (expected === null || isTerminalWork(wo.state)) continue;
    found.push({
      reason: 'EXPECTED_DATE_PASSED',
      subject: wo.workOrderId,
      department: wo.department,
      since: expected,
      limitMinutes: limit,
      say: (now) =>
        `work order ${wo.workOrderId} (${wo.state}) was expected by ${iso(expected)}, ` +
        `${minutes(now - expected)} ago (limit ${limit} min), and ${wo.department} has given no new date`,
    });
  }
  return found;
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
