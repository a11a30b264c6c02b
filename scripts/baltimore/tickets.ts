import type { KpiTicket, KpiViolation } from '../../src/domain/kpi/index.ts';
import { businessDaysBetween, type BusinessCalendar } from '../../src/domain/sla/index.ts';
import { BALTIMORE_ZONE, localMs, type BaltimoreRow } from './rows.ts';

const DAY_MS = 86_400_000;

/** How a CRM status reads in closeloop's vocabulary. */
export type RowKind = 'closed' | 'duplicate' | 'transferred' | 'open';

export function rowKind(r: BaltimoreRow): RowKind {
  if (r.status.endsWith('(Duplicate)')) return 'duplicate';
  if (r.status === 'Closed (Transferred)') return 'transferred';
  return r.status === 'Closed' ? 'closed' : 'open';
}

const OPEN_STATES: Readonly<Record<string, KpiTicket['lifecycleState']>> = {
  New: 'NEW',
  Open: 'ROUTED',
  Pending: 'ON_HOLD',
  'In Progress': 'IN_PROGRESS',
};

/**
 * The completion due date closeloop would hold: the CSV's DueDate, except where there is none
 * or it is not after CreatedDate. A zero-length target cannot be configured in closeloop (an SLA
 * amount must be more than 0): such a row is a record the call center opened and closed on the
 * spot, with no SLA policy.
 */
export function completionDue(r: BaltimoreRow): number | null {
  if (!r.due) return null;
  const due = localMs(r.due);
  return due > localMs(r.created) ? due : null;
}

/**
 * One CSV row as the latest closeloop status of its ticket. Baltimore publishes no response
 * target, no first-response time, no pauses and no duplicate parents, so those stay empty. A
 * transfer closes the record and opens another for the receiving agency: closeloop would have
 * re-routed the same ticket and recorded the "not ours" as a MISROUTE of the first agency.
 */
export function toKpiInput(
  rows: readonly BaltimoreRow[],
  cal: BusinessCalendar,
): { tickets: KpiTicket[]; violations: KpiViolation[] } {
  const tickets: KpiTicket[] = [];
  const violations: KpiViolation[] = [];
  for (const r of rows) {
    const kind = rowKind(r);
    const requestedAt = localMs(r.created);
    const closedAt = r.close ? localMs(r.close) : null;
    const resolvedAt = kind === 'closed' || kind === 'duplicate' ? closedAt : null;
    if (kind === 'transferred' && closedAt !== null) {
      violations.push({
        ticketId: r.id,
        kind: 'MISROUTE',
        department: r.agency || null,
        occurredAt: closedAt,
        linkType: null,
      });
    }
    tickets.push({
      ticketId: r.id,
      department: r.agency || null,
      serviceCode: r.type || null,
      lifecycleState: lifecycleOf(r, kind, resolvedAt),
      closureReason:
        kind === 'duplicate' && resolvedAt !== null ? 'DUPLICATE' : kind === 'closed' ? 'WORK_COMPLETED' : null,
      duplicateOf: null,
      followUpOf: null,
      requestedAt,
      responseDueAt: null,
      completionDueAt: completionDue(r),
      respondedAt: null,
      resolvedAt,
      businessDaysToResolve: resolvedAt === null ? null : businessDaysBetween(cal, requestedAt, resolvedAt),
      calendarDaysToResolve: resolvedAt === null ? null : Math.max(0, resolvedAt - requestedAt) / DAY_MS,
      pausedAt: null,
      timeZone: BALTIMORE_ZONE,
    });
  }
  return { tickets, violations };
}

function lifecycleOf(r: BaltimoreRow, kind: RowKind, resolvedAt: number | null): KpiTicket['lifecycleState'] {
  if (kind === 'transferred') return 'CANCELLED';
  if (kind === 'duplicate') return resolvedAt === null ? 'DUPLICATE' : 'RESOLVED';
  if (kind === 'closed') return 'RESOLVED';
  return OPEN_STATES[r.status] ?? 'ROUTED';
}
