import { DateTime } from 'luxon';
import type { TicketStatusChange, Violation, WorkOrderSummary } from '../../src/domain/index.ts';

/*
 * Status and quarantine records as the processor writes them, for the KPI job's integration
 * test: only the fields the KPIs read vary, in the jurisdiction's zone.
 */

export const NY = 'America/New_York';
export const at = (iso: string): number => DateTime.fromISO(iso, { zone: NY }).toMillis();
let events = 0;
const envelope = (occurredAt: number) => ({
  eventId: `kpi-evt-${++events}`,
  jurisdiction: 'testville',
  source: 'closeloop-processor',
  sequence: null,
  occurredAt,
  origin: 'closeloop',
  correlationId: null,
});
export const wo = (department: string, misrouted = false): WorkOrderSummary => ({
  workOrderId: `${department}#1`,
  department,
  system: 'maximo',
  state: misrouted ? 'REJECTED' : 'ASSIGNED',
  rawStatus: null,
  misrouted,
});

export type Clock = Partial<Pick<TicketStatusChange, 'respondedAt' | 'resolvedAt' | 'slaPausedAt'>> & {
  readonly due: readonly [response: string, completion: string];
  readonly days?: readonly [business: number, calendar: number];
};
export function status(ticketId: string, version: number, clock: Clock | null, o: Partial<TicketStatusChange> = {}) {
  const resolved = clock?.resolvedAt != null;
  return {
    envelope: envelope(at('2026-10-01T08:00') + version),
    ticketId,
    version,
    crmStatus: resolved ? 'CLOSED' : 'OPEN',
    lifecycleState: resolved ? 'RESOLVED' : clock?.slaPausedAt != null ? 'ON_HOLD' : 'ASSIGNED',
    publicStatusCode: 'x',
    statusNote: 'x',
    expectedAt: null,
    closureReason: resolved ? 'WORK_COMPLETED' : null,
    closureNote: null,
    duplicateOf: null,
    followUpOf: null,
    agencyResponsible: null,
    serviceCode: 'POTHOLE',
    channel: null,
    priority: 3,
    workOrders: [wo('transportation')],
    requestedAt: clock ? at('2026-09-28T09:00') : null,
    slaPolicy: clock ? 'POTHOLE' : null,
    slaTimeZone: clock ? NY : null,
    responseDueAt: clock ? at(clock.due[0]) : null,
    completionDueAt: clock ? at(clock.due[1]) : null,
    respondedAt: clock?.respondedAt ?? null,
    resolvedAt: clock?.resolvedAt ?? null,
    responseBreached: false,
    completionBreached: false,
    slaPaused: clock?.slaPausedAt != null,
    slaPausedAt: clock?.slaPausedAt ?? null,
    holdReason: clock?.slaPausedAt != null ? 'WEATHER' : null,
    businessDaysToResolve: clock?.days?.[0] ?? null,
    calendarDaysToResolve: clock?.days?.[1] ?? null,
    ...o,
  } satisfies TicketStatusChange;
}
export function violation(
  kind: Violation['kind'],
  department: string | null,
  when: string,
  linkType: Violation['linkType'],
) {
  const v = { envelope: envelope(at(when)), ticketId: `V-${kind}`, kind, department, system: null, rawStatus: null };
  return { ...v, workOrderId: null, sourceEventId: 'e0', detail: 'x', linkType } satisfies Violation;
}
/** What a record written with the v1 schemas holds: no SLA clocks, no misrouted flag, no link kind. */
export function asV1(r: object): object {
  const drop = new Set(['requestedAt', 'slaPolicy', 'slaTimeZone', 'responseDueAt', 'completionDueAt', 'respondedAt']);
  for (const k of ['resolvedAt', 'responseBreached', 'completionBreached', 'slaPaused', 'slaPausedAt']) drop.add(k);
  for (const k of ['holdReason', 'businessDaysToResolve', 'calendarDaysToResolve', 'linkType']) drop.add(k);
  const out = Object.fromEntries(Object.entries(r).filter(([k]) => !drop.has(k)));
  if (Array.isArray(out['workOrders'])) {
    out['workOrders'] = (out['workOrders'] as WorkOrderSummary[]).map(({ misrouted: _, ...w }) => w);
  }
  return out;
}
