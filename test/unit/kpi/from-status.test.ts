import { describe, expect, it } from 'vitest';
import { isCloseloopError } from '../../../src/errors/index.ts';
import {
  departmentOf,
  ticketFromStatus,
  violationFromQuarantine,
  type StatusRead,
  type ViolationRead,
} from '../../../src/kpi/index.ts';

const envelope = {
  eventId: 'e1',
  jurisdiction: 'baltimore',
  source: 'closeloop-processor',
  sequence: null,
  occurredAt: 1_800_000_000_000,
  origin: 'closeloop',
  correlationId: null,
};
const wo = (department: string, misrouted?: boolean) => ({
  workOrderId: `${department}#1`,
  department,
  system: 'maximo',
  state: 'ASSIGNED' as const,
  rawStatus: null,
  ...(misrouted === undefined ? {} : { misrouted }),
});

/** As decoded from a record written with status schema v1: no SLA fields at all. */
const v1: StatusRead = {
  envelope,
  ticketId: 'T1',
  version: 4,
  crmStatus: 'OPEN',
  lifecycleState: 'ON_HOLD',
  publicStatusCode: 'on_hold',
  statusNote: 'On hold.',
  expectedAt: null,
  closureReason: null,
  closureNote: null,
  duplicateOf: null,
  followUpOf: null,
  agencyResponsible: 'transportation',
  serviceCode: 'SR-POTHOLE',
  priority: 3,
  workOrders: [wo('transportation')],
};
const sla = {
  requestedAt: 1,
  slaPolicy: 'SR-POTHOLE',
  slaTimeZone: 'America/New_York',
  responseDueAt: 2,
  completionDueAt: 3,
  respondedAt: 4,
  resolvedAt: null,
  responseBreached: true,
  completionBreached: false,
  slaPaused: true,
  slaPausedAt: 5,
  holdReason: 'WEATHER',
  businessDaysToResolve: null,
  calendarDaysToResolve: null,
};

describe('KPI input from a status record', () => {
  it('reads a v1 record as one without SLA clocks, placed in the fallback zone', () => {
    expect(ticketFromStatus(v1, 'America/Edmonton')).toEqual({
      ticketId: 'T1',
      department: 'transportation',
      serviceCode: 'SR-POTHOLE',
      channel: null,
      lifecycleState: 'ON_HOLD',
      closureReason: null,
      duplicateOf: null,
      followUpOf: null,
      requestedAt: null,
      responseDueAt: null,
      completionDueAt: null,
      respondedAt: null,
      resolvedAt: null,
      businessDaysToResolve: null,
      calendarDaysToResolve: null,
      pausedAt: null,
      timeZone: 'America/Edmonton',
    });
  });

  it('takes the SLA clocks and the calendar zone of a v2 record', () => {
    const t = ticketFromStatus({ ...v1, ...sla, resolvedAt: 6, businessDaysToResolve: 1.5 }, 'UTC');
    expect(t).toMatchObject({
      requestedAt: 1,
      responseDueAt: 2,
      completionDueAt: 3,
      respondedAt: 4,
      resolvedAt: 6,
      businessDaysToResolve: 1.5,
      pausedAt: 5,
      timeZone: 'America/New_York',
    });
  });

  it('has a pause start only while the clock is paused', () => {
    expect(ticketFromStatus({ ...v1, ...sla, slaPaused: false }, 'UTC').pausedAt).toBeNull();
  });

  it('refuses a record whose zone is unknown, so it can be counted instead of stopping the run', () => {
    let err: unknown;
    try {
      ticketFromStatus({ ...v1, ...sla, slaTimeZone: 'Mars/Olympus' }, 'UTC');
    } catch (e) {
      err = e;
    }
    expect(isCloseloopError(err, 'CL_RECORD_INVALID')).toBe(true);
  });

  it('counts a ticket under the last department that did not send it back', () => {
    expect(departmentOf([wo('solid-waste', true), wo('housing', false)])).toBe('housing');
    // The department that kept the work, even when a later one was tried and said "not ours".
    expect(departmentOf([wo('solid-waste'), wo('housing', true)])).toBe('solid-waste');
    // Everyone said "not ours": the last one asked.
    expect(departmentOf([wo('solid-waste', true), wo('housing', true)])).toBe('housing');
    expect(departmentOf([])).toBeNull();
  });
});

describe('KPI input from a quarantine record', () => {
  const q = (kind: ViolationRead['kind'], linkType?: 'DUPLICATE' | 'FOLLOW_UP' | null): ViolationRead => ({
    envelope,
    ticketId: 'T2',
    kind,
    department: 'housing',
    system: 'posse',
    rawStatus: null,
    workOrderId: null,
    sourceEventId: 'e0',
    detail: 'x',
    ...(linkType === undefined ? {} : { linkType }),
  });

  it('keeps the kinds a KPI counts, with the instant it occurred and the refused link kind', () => {
    expect(violationFromQuarantine(q('MISSING_PARENT', 'DUPLICATE'))).toEqual({
      ticketId: 'T2',
      kind: 'MISSING_PARENT',
      department: 'housing',
      occurredAt: envelope.occurredAt,
      linkType: 'DUPLICATE',
    });
    // Written before the link kind was recorded.
    expect(violationFromQuarantine(q('UNKNOWN_PARENT'))?.linkType).toBeNull();
    expect(violationFromQuarantine(q('MISROUTE'))?.kind).toBe('MISROUTE');
    expect(violationFromQuarantine(q('PREMATURE_CLOSE'))?.kind).toBe('PREMATURE_CLOSE');
  });

  it('drops the kinds no KPI counts', () => {
    for (const kind of ['UNMAPPED_CODE', 'STALE_EVENT', 'UNROUTABLE', 'UNKNOWN_TICKET'] as const) {
      expect(violationFromQuarantine(q(kind))).toBeNull();
    }
  });
});
