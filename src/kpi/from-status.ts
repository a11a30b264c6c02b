import { IANAZone } from 'luxon';
import { holdingDepartmentOf, type StatusRead, type Violation } from '../domain/index.ts';
import { KPI_VIOLATION_KINDS, type KpiTicket, type KpiViolation } from '../domain/kpi/index.ts';
import { CloseloopError } from '../errors/index.ts';

export type { StatusRead };

/** A quarantine record decoded with its writer's schema; v1 records have no `linkType`. */
export type ViolationRead = Omit<Violation, 'linkType'> & { readonly linkType?: Violation['linkType'] };

/**
 * The department whose figures the ticket counts in: the last one that did not send it back as
 * "not ours" (the one holding the work, or that held it at resolution), else the last one asked.
 */
export function departmentOf(workOrders: StatusRead['workOrders']): string | null {
  return holdingDepartmentOf(workOrders);
}

/**
 * Zones already found valid. Luxon builds a formatter to check a zone, which is costly; every
 * status names one of a handful of zones, so each is checked once per process.
 */
const VALID_ZONES = new Set<string>();

function isValidZone(zone: string): boolean {
  if (VALID_ZONES.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  VALID_ZONES.add(zone);
  return true;
}

/**
 * The KPI view of a ticket's latest status. `fallbackZone` (the jurisdiction's) places tickets
 * whose status names no SLA calendar, which are those without due dates or written before v2.
 */
export function ticketFromStatus(s: StatusRead, fallbackZone: string): KpiTicket {
  const timeZone = s.slaTimeZone ?? fallbackZone;
  // The bridge writes zones from validated config; a bad one would throw mid-computation, so
  // the record is refused here, where it can be counted and reported.
  if (!isValidZone(timeZone)) {
    throw new CloseloopError('CL_RECORD_INVALID', `status of ${s.ticketId} names an unknown time zone "${timeZone}"`, {
      details: { version: s.version },
    });
  }
  return {
    ticketId: s.ticketId,
    department: departmentOf(s.workOrders),
    serviceCode: s.serviceCode,
    channel: s.channel ?? null,
    lifecycleState: s.lifecycleState,
    closureReason: s.closureReason,
    duplicateOf: s.duplicateOf,
    followUpOf: s.followUpOf,
    requestedAt: s.requestedAt ?? null,
    responseDueAt: s.responseDueAt ?? null,
    completionDueAt: s.completionDueAt ?? null,
    respondedAt: s.respondedAt ?? null,
    resolvedAt: s.resolvedAt ?? null,
    businessDaysToResolve: s.businessDaysToResolve ?? null,
    calendarDaysToResolve: s.calendarDaysToResolve ?? null,
    pausedAt: s.slaPaused === true ? (s.slaPausedAt ?? null) : null,
    timeZone,
  };
}

const KPI_KINDS: ReadonlySet<string> = new Set(KPI_VIOLATION_KINDS);

/** The KPI view of a quarantine record, or null for the kinds no KPI counts (unmapped codes, …). */
export function violationFromQuarantine(v: ViolationRead): KpiViolation | null {
  if (!KPI_KINDS.has(v.kind)) return null;
  return {
    ticketId: v.ticketId,
    kind: v.kind,
    department: v.department,
    occurredAt: v.envelope.occurredAt,
    linkType: v.linkType ?? null,
  };
}
