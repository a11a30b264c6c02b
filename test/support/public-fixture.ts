import type { StatusRead } from '../../src/kpi/from-status.ts';
import type { PublicFigures } from '../../src/public/figures.ts';
import type { CrmFactSource, RequestFacts, StatusProjection } from '../../src/status-api/index.ts';

/*
 * A small city with known figures, shared by the figures' unit test and the browser test. October
 * 2026 in New York: three service requests (two potholes, one graffiti), two information
 * requests, a duplicate and a follow-up; one request in September. Markup is planted in a service
 * name and a note, to be shown as text.
 */
export const ZONE = 'America/New_York';
export const NOW = Date.UTC(2026, 10, 15, 17);
export const MONTH = '2026-10';
export const SCRIPT_NAME = 'Graffiti <script>window.pwned=1</script>';
export const IMG_NOTE = 'Crew booked "><img src=x onerror="window.pwned=2">';

const DAY = 86_400_000;
const at = (day: number, hour = 14) => Date.UTC(2026, 9, day, hour);

export function status(ticketId: string, version: number, over: Partial<StatusRead>): StatusRead {
  return {
    envelope: {
      eventId: `${ticketId}-v${version}`,
      jurisdiction: 'bmore',
      source: 'closeloop',
      sequence: null,
      // Each change an hour after the last, from the request on.
      occurredAt: (over.requestedAt ?? at(1)) + version * 3_600_000,
      origin: 'closeloop',
      correlationId: null,
    },
    ticketId,
    version,
    crmStatus: 'OPEN',
    lifecycleState: 'ROUTED',
    publicStatusCode: 'ROUTED',
    statusNote: 'Sent to the department.',
    expectedAt: null,
    closureReason: null,
    closureNote: null,
    duplicateOf: null,
    followUpOf: null,
    agencyResponsible: 'transportation',
    serviceCode: 'POTHOLE',
    priority: 3,
    workOrders: [],
    slaTimeZone: ZONE,
    ...over,
  };
}

export const wo = (department: string) => [
  {
    workOrderId: `${department}-1`,
    department,
    system: 'maximo',
    state: 'ASSIGNED' as const,
    rawStatus: 'X',
    misrouted: false,
  },
];

export function fact(ticketId: string, over: Partial<CrmFactSource>): CrmFactSource {
  return {
    ticketId,
    serviceCode: 'POTHOLE',
    serviceName: 'Pothole',
    requestedAt: at(3),
    channel: 'WEB',
    requestKind: 'SERVICE',
    location: { address: '1200 N Charles St', latitude: 39.3043, longitude: -76.6163, district: 'Central' },
    crmDueAt: null,
    ...over,
  };
}

export const FACTS: readonly CrmFactSource[] = [
  fact('S1', { requestedAt: at(3) }),
  fact('S2', { requestedAt: at(5), channel: 'PHONE' }),
  fact('S3', { requestedAt: at(7), serviceCode: 'GRAFFITI', serviceName: SCRIPT_NAME, channel: 'PHONE' }),
  fact('I1', {
    requestedAt: at(8),
    serviceCode: 'TRASH-INFO',
    serviceName: 'Trash day',
    channel: 'PHONE',
    requestKind: 'INFORMATION',
    location: null,
  }),
  fact('I2', {
    requestedAt: at(9),
    serviceCode: 'TRASH-INFO',
    serviceName: 'Trash day',
    channel: 'MOBILE_APP',
    requestKind: 'INFORMATION',
    location: null,
  }),
  fact('D1', { requestedAt: at(4) }),
  fact('F1', { requestedAt: at(20) }),
  fact('S0', { requestedAt: Date.UTC(2026, 8, 10, 14) }),
];

const sla = (requested: number, responded: number, resolved: number | null) => ({
  requestedAt: requested,
  responseDueAt: requested + 2 * DAY,
  completionDueAt: requested + 5 * DAY,
  respondedAt: responded,
  resolvedAt: resolved,
  calendarDaysToResolve: resolved === null ? null : (resolved - requested) / DAY,
  businessDaysToResolve: resolved === null ? null : (resolved - requested) / DAY,
  responseBreached: false,
  completionBreached: false,
  slaPaused: false,
});

export const STATUSES: readonly StatusRead[] = [
  status('S1', 1, { workOrders: wo('transportation'), ...sla(at(3), at(3, 18), null) }),
  status('S1', 2, {
    crmStatus: 'CLOSED',
    lifecycleState: 'RESOLVED',
    publicStatusCode: 'RESOLVED',
    statusNote: 'Pothole patched.',
    closureReason: 'WORK_COMPLETED',
    workOrders: wo('transportation'),
    ...sla(at(3), at(3, 18), at(5)),
  }),
  status('S2', 1, { workOrders: wo('transportation'), ...sla(at(5), at(9), null) }),
  status('S2', 2, {
    crmStatus: 'CLOSED',
    lifecycleState: 'RESOLVED',
    publicStatusCode: 'RESOLVED',
    statusNote: 'Patched late.',
    closureReason: 'WORK_COMPLETED',
    workOrders: wo('transportation'),
    ...sla(at(5), at(9), at(15)),
  }),
  status('S3', 1, {
    serviceCode: 'GRAFFITI',
    agencyResponsible: 'parks',
    lifecycleState: 'SCHEDULED',
    publicStatusCode: 'SCHEDULED',
    statusNote: IMG_NOTE,
    expectedAt: Date.UTC(2026, 10, 30),
    workOrders: wo('parks'),
    ...sla(at(7), at(7, 16), null),
  }),
  status('D1', 1, {
    lifecycleState: 'DUPLICATE',
    publicStatusCode: 'DUPLICATE',
    statusNote: 'Duplicate of #S1 — Pothole patched.',
    duplicateOf: 'S1',
    workOrders: wo('transportation'),
    requestedAt: at(4),
  }),
  status('F1', 1, {
    followUpOf: 'S2',
    statusNote: 'A follow-up to #S2.',
    workOrders: wo('transportation'),
    requestedAt: at(20),
  }),
  status('S0', 1, { workOrders: wo('transportation'), requestedAt: Date.UTC(2026, 8, 10, 14) }),
];

export function loadFixture(targets: {
  projection?: StatusProjection;
  facts: RequestFacts;
  figures?: PublicFigures;
}): void {
  for (const f of FACTS) targets.facts.apply(f);
  for (const s of STATUSES) {
    targets.projection?.apply(s);
    targets.figures?.applyStatus(s);
  }
}
