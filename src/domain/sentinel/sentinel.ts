import { BRIDGE_ORIGIN, PROCESSOR_SOURCE, type DecideContext } from '../context.ts';
import type { Decision } from '../outputs.ts';
import type { Policy } from '../policy.ts';
import type { TicketState } from '../state.ts';
import { anyOverdue, clearedDetail, conditionDetail, conditionsOf, iso, overdueAt, sameKey } from './conditions.ts';
import type { AlertRecord, OpenAlert } from './types.ts';
import { watchOf, withWatch } from './watch.ts';

export { holderIn } from './conditions.ts';

export interface SentinelDecision {
  readonly state: TicketState;
  readonly stateChanged: boolean;
  readonly alerts: readonly AlertRecord[];
}

/**
 * The stuck-ticket sentinel, run by the processor's timer sweep beside the SLA check. Raises an
 * alert for each condition whose limit passed and clears each one that no longer holds: its
 * ticket moved, the input its limit runs from changed (a receipt, word from the department, a
 * new date, a reroute), or its limit was removed or raised. Never because the clock went back (a
 * partition moved to a host whose clock is behind, an NTP step): nothing moved for that. Turned
 * off, it expects nothing: the alerts it raised before clear, as nothing else would (`alerts
 * ack` refuses them).
 */
export function decideSentinel(t: TicketState, ctx: DecideContext): SentinelDecision {
  const policy = ctx.policy.sentinel;
  const open = watchOf(t).alerts;
  if (!policy && open.length === 0) return { state: t, stateChanged: false, alerts: [] };
  // After nearly every event no alert is open and nothing is overdue: told without making the
  // conditions and the lists below, for nothing would be raised or cleared.
  if (open.length === 0 && policy && !anyOverdue(t, policy, ctx.now))
    return { state: t, stateChanged: false, alerts: [] };
  const conditions = policy ? conditionsOf(t, policy) : [];
  const watchedAs = (o: OpenAlert) => conditions.find((c) => sameKey(c, o));
  // An alert stands while what it was raised on is as it was (holder, since) and its limit had
  // passed by the latest time this ticket has seen: the later of now and when it was raised.
  const stands = (o: OpenAlert) => {
    const c = watchedAs(o);
    return c?.department === o.department && c.since === o.since && overdueAt(c, Math.max(ctx.now, o.raisedAt));
  };
  const kept = open.filter(stands);
  const cleared = open.filter((o) => !kept.includes(o));
  const raised: OpenAlert[] = conditions
    .filter((c) => overdueAt(c, ctx.now) && !kept.some((o) => sameKey(o, c)))
    .map((c) => ({
      reason: c.reason,
      subject: c.subject,
      department: c.department,
      since: c.since,
      raisedAt: ctx.now,
      detail: conditionDetail(t, c, ctx.now),
    }));
  if (raised.length === 0 && cleared.length === 0) return { state: t, stateChanged: false, alerts: [] };
  return {
    state: withWatch(t, { alerts: [...kept, ...raised] }),
    stateChanged: true,
    alerts: [
      // Clearings first: a condition that holds anew under the same alert id (a new date already
      // past its limit) is raised after its clearing, and compaction keeps the raise.
      ...cleared.map((o) =>
        alertRecord(t, { ...o, detail: clearedDetail(t, o, policy, watchedAs(o)) }, 'CLEARED', ctx),
      ),
      ...raised.map((r) => alertRecord(t, r, 'RAISED', ctx)),
    ],
  };
}

/**
 * The clearing of every alert a ticket holds open, for when its state is deleted (retention
 * expiry). Nothing could clear them after: no event moves a ticket the bridge no longer knows,
 * and `closeloop alerts ack` takes only the alerts no ticket clears, so the compacted alerts
 * topic would show them raised for good (and `closeloop health` exit 3). Sentinel or not: an
 * alert raised before the sentinel was turned off is open as well.
 */
export function expiryClearings(t: TicketState, ctx: DecideContext): AlertRecord[] {
  const closed = t.closedAt === null ? '' : ` (closed ${iso(t.closedAt)})`;
  const detail = `ticket expired${closed}: its state is deleted after the retention window`;
  return watchOf(t).alerts.map((a) => alertRecord(t, { ...a, detail }, 'CLEARED', ctx));
}

/**
 * The alert id names the condition (one key per condition, for compaction); the event id the
 * raising too, by when the condition began and when it was raised: an alert cleared and raised
 * again for the same condition (a limit raised, then lowered) is another event, not a repeat.
 */
function alertRecord(t: TicketState, a: OpenAlert, status: AlertRecord['status'], ctx: DecideContext): AlertRecord {
  const alertId = `${t.ticketId}|${a.reason}|${a.subject}`;
  return {
    envelope: {
      eventId: `${alertId}|${a.since}|${a.raisedAt}|${status.toLowerCase()}`,
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
