import { BRIDGE_ORIGIN, PROCESSOR_SOURCE, type DecideContext } from '../context.ts';
import { isClosed, isTerminalWork } from '../lifecycle.ts';
import { holdingDepartmentOf } from '../notes.ts';
import type { Decision } from '../outputs.ts';
import type { Policy } from '../policy.ts';
import type { TicketState, WorkOrderRecord } from '../state.ts';
import type { TicketLifecycleState } from '../types.ts';
import type { AlertRecord, OpenAlert, SentinelPolicy } from './types.ts';
import { seenAt, watchOf, withWatch } from './watch.ts';

const MINUTE = 60_000;

type Expected = Omit<OpenAlert, 'raisedAt'>;

const minutes = (ms: number) => `${Math.round(ms / MINUTE)} min`;

/** Each condition that holds now, from the ticket's state alone. */
function expectedAlerts(t: TicketState, policy: SentinelPolicy, now: number): Expected[] {
  const w = watchOf(t);
  const found: Expected[] = [];
  const limit = policy.stateLimitsMinutes[t.state];
  if (limit !== undefined && !isClosed(t.state) && now - w.stateSince > limit * MINUTE) {
    const department = holderIn(t.state, t.workOrders);
    found.push({
      reason: `STUCK_${t.state}`,
      subject: '',
      department,
      since: w.stateSince,
      detail: `${t.state} for ${minutes(now - w.stateSince)} (limit ${limit} min)${department ? `; held by ${department}` : '; with 311'}`,
    });
  }
  const unconfirmed = policy.statusUnconfirmedMinutes;
  if (unconfirmed !== null && t.version > w.confirmedVersion && w.statusSentAt !== null) {
    if (now - w.statusSentAt > unconfirmed * MINUTE) {
      found.push({
        reason: 'STATUS_UNCONFIRMED',
        subject: '',
        department: null,
        since: w.statusSentAt,
        detail: `status v${t.version} sent ${minutes(now - w.statusSentAt)} ago; the CRM sink confirmed v${w.confirmedVersion}`,
      });
    }
  }
  const silence = policy.workOrderSilenceMinutes;
  for (const wo of silence === null ? [] : t.workOrders) {
    const seen = seenAt(t, wo);
    if (isTerminalWork(wo.state) || seen === undefined || now - seen <= (silence ?? 0) * MINUTE) continue;
    found.push({
      reason: 'WORK_ORDER_SILENT',
      subject: wo.workOrderId,
      department: wo.department,
      since: seen,
      detail: `work order ${wo.workOrderId} (${wo.state}) has had no event from ${wo.department} for ${minutes(now - seen)}`,
    });
  }
  found.push(...overdueDates(t, policy, now));
  return found;
}

/**
 * A department that said when (scheduled for, on hold until) and then let the date pass without
 * a word: the CRM shows the citizen a date gone by, and no other watch sees it before the work
 * order's month of silence. One alert per open work order, cleared by a new date or its end.
 */
function overdueDates(t: TicketState, policy: SentinelPolicy, now: number): Expected[] {
  const limit = policy.expectedOverdueMinutes ?? null;
  // A linked ticket shows its parent's date (expectedAtOf), which the parent's own watch covers;
  // its own work orders are being withdrawn, and their dates are no longer the citizen's.
  if (limit === null || isClosed(t.state) || t.parent?.accepted === true) return [];
  const found: Expected[] = [];
  for (const wo of t.workOrders) {
    if (wo.expectedAt === null || isTerminalWork(wo.state) || now - wo.expectedAt <= limit * MINUTE) continue;
    found.push({
      reason: 'EXPECTED_DATE_PASSED',
      subject: wo.workOrderId,
      department: wo.department,
      since: wo.expectedAt,
      detail:
        `work order ${wo.workOrderId} (${wo.state}) was expected by ${new Date(wo.expectedAt).toISOString()}, ` +
        `${minutes(now - wo.expectedAt)} ago (limit ${limit} min), and ${wo.department} has given no new date`,
    });
  }
  return found;
}

/**
 * Who a ticket in a state waits on: the department holding it, or 311 (null) while NEW. A change
 * of holder starts the state's limit again (see publish), as it is another department's to meet.
 */
export function holderIn(state: TicketLifecycleState, workOrders: readonly WorkOrderRecord[]): string | null {
  return state === 'NEW' ? null : holdingDepartmentOf(workOrders);
}

type Condition = Pick<OpenAlert, 'reason' | 'subject' | 'department'>;

// The department too: an alert that names the department no longer holding the ticket is not
// the alert that holds now, even under the same key.
const same = (a: Condition, b: Condition) =>
  a.reason === b.reason && a.subject === b.subject && a.department === b.department;

export interface SentinelDecision {
  readonly state: TicketState;
  readonly stateChanged: boolean;
  readonly alerts: readonly AlertRecord[];
}

/**
 * The stuck-ticket sentinel, run by the processor's timer sweep beside the SLA check. Raises an
 * alert for each condition that newly holds and clears each one that no longer does (the ticket
 * moved). Pure: record ids derive from the ticket, the condition and when it began, so a sweep
 * repeated after a crash writes the same records. Turned off, it expects nothing: the alerts it
 * raised before clear, as nothing else would (`alerts ack` refuses them).
 */
export function decideSentinel(t: TicketState, ctx: DecideContext): SentinelDecision {
  const policy = ctx.policy.sentinel;
  const open = watchOf(t).alerts;
  if (!policy && open.length === 0) return { state: t, stateChanged: false, alerts: [] };
  const expected = policy ? expectedAlerts(t, policy, ctx.now) : [];
  const raised = expected.filter((e) => !open.some((o) => same(o, e)));
  const cleared = open.filter((o) => !expected.some((e) => same(o, e)));
  if (raised.length === 0 && cleared.length === 0) return { state: t, stateChanged: false, alerts: [] };
  const stillOpen = open.filter((o) => !cleared.includes(o));
  return {
    state: withWatch(t, { alerts: [...stillOpen, ...raised.map((r) => ({ ...r, raisedAt: ctx.now }))] }),
    stateChanged: true,
    alerts: [
      ...raised.map((r) => alertRecord(t, r, 'RAISED', ctx)),
      ...cleared.map((c) => alertRecord(t, { ...c, detail: clearedDetail(t, c, ctx) }, 'CLEARED', ctx)),
    ],
  };
}

/** Why an alert no longer holds, for its CLEARED record. */
function clearedDetail(t: TicketState, a: OpenAlert, ctx: DecideContext): string {
  if (!ctx.policy.sentinel) return 'the stuck-ticket sentinel is off (sentinel: null): nothing is watched';
  const holder = holderIn(t.state, t.workOrders);
  if (a.reason === `STUCK_${t.state}` && holder !== a.department) {
    const from = a.department ?? '311';
    return `rerouted from ${from} to ${holder ?? '311'}; still ${t.state}, its limit runs again from then`;
  }
  return a.detail;
}

/**
 * The clearing of every alert a ticket holds open, for when its state is deleted (retention
 * expiry). Nothing could clear them after: no event moves a ticket the bridge no longer knows,
 * and `closeloop alerts ack` takes only the alerts no ticket clears, so the compacted alerts
 * topic would show them raised for good (and `closeloop health` exit 3). Sentinel or not: an
 * alert raised before the sentinel was turned off is open as well.
 */
export function expiryClearings(t: TicketState, ctx: DecideContext): AlertRecord[] {
  const closed = t.closedAt === null ? '' : ` (closed ${new Date(t.closedAt).toISOString()})`;
  const detail = `ticket expired${closed}: its state is deleted after the retention window`;
  return watchOf(t).alerts.map((a) => alertRecord(t, { ...a, detail }, 'CLEARED', ctx));
}

/** Ids derive from the ticket, the condition and when it began: a repeated sweep writes the same. */
function alertRecord(t: TicketState, a: Expected, status: AlertRecord['status'], ctx: DecideContext): AlertRecord {
  const alertId = `${t.ticketId}|${a.reason}|${a.subject}`;
  return {
    envelope: {
      eventId: `${alertId}|${a.since}|${status.toLowerCase()}`,
      jurisdiction: t.jurisdiction,
      source: PROCESSOR_SOURCE,
      sequence: null,
      occurredAt: ctx.now,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    alertId,
    reason: a.reason,
    status,
    ticketId: t.ticketId,
    connector: null,
    department: a.department,
    accountable: accountableFor(ctx.policy, a.department),
    since: a.since,
    detail: a.detail,
  };
}

/**
 * The department's accountable role, or the 311 desk (its configured role, else "311 service
 * desk") for what no department holds. Every alert names its owner this way: the sentinel's, a
 * silent connector's, a sink's records given up on. Own keys only: a department named like an
 * Object method has no role unless one is configured.
 */
export function accountableFor(policy: Pick<Policy, 'accountable'>, department: string | null): string | null {
  const roles = policy.accountable ?? {};
  if (department === null) return roles['311'] ?? '311 service desk';
  return Object.hasOwn(roles, department) ? (roles[department] ?? null) : null;
}

/**
 * A decision with the sentinel's word on its resulting state: a ticket that moved clears its
 * alerts in the same transaction that records the move.
 */
export function watched(d: Decision, ctx: DecideContext): Decision {
  if (!d.state) return d;
  const s = decideSentinel(d.state, ctx);
  if (!s.stateChanged) return d;
  return { ...d, state: s.state, stateChanged: true, alerts: [...d.alerts, ...s.alerts] };
}
