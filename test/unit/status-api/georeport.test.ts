import { describe, expect, it } from 'vitest';
import {
  StatusProjection,
  scrubPii,
  toGeoReport,
  type GeoReportContext,
  type PublicTicket,
} from '../../../src/status-api/index.ts';
import { T0, status } from './fixtures.ts';

const HOUR = 3_600_000;

function contextOf(projection: StatusProjection): GeoReportContext {
  return {
    serviceName: (code) => (code === 'POTHOLE' ? 'Pothole' : undefined),
    ticket: (id) => projection.get(id),
    fact: () => undefined,
  };
}

function held(projection: StatusProjection, id: string): PublicTicket {
  const ticket = projection.get(id);
  if (!ticket) throw new Error(`${id} not held`);
  return ticket;
}

describe('status projection', () => {
  it('applies only versions newer than the one held, so repeats and stale records are no-ops', () => {
    const p = new StatusProjection();
    expect(p.apply(status('T1', 1))).toBe(true);
    expect(p.apply(status('T1', 3, { lifecycleState: 'SCHEDULED' }))).toBe(true);
    expect(p.apply(status('T1', 2, { lifecycleState: 'ASSIGNED' }))).toBe(false);
    expect(p.apply(status('T1', 3, { lifecycleState: 'ON_HOLD' }))).toBe(false);
    expect(p.apply(status('T1', 1))).toBe(false);
    expect(held(p, 'T1').history.map((h) => [h.version, h.lifecycleState])).toEqual([
      [1, 'ROUTED'],
      [3, 'SCHEDULED'],
    ]);
    expect(p.size).toBe(1);
  });

  it('keeps only the newest history entries', () => {
    const p = new StatusProjection({ historyLimit: 3 });
    for (let v = 1; v <= 5; v++) p.apply(status('T1', v));
    expect(held(p, 'T1').history.map((h) => h.version)).toEqual([3, 4, 5]);
    expect(() => new StatusProjection({ historyLimit: 0 })).toThrow(RangeError);
  });

  it('stores only what the API serves', () => {
    const p = new StatusProjection();
    const workOrders = [
      { workOrderId: 'W1', department: 'transportation', system: 'maximo', state: 'SCHEDULED', rawStatus: 'XSCHED7' },
    ] as const;
    p.apply(status('T1', 1, { workOrders, closureNote: 'internal only', publicStatusCode: 'PSC-9', priority: 8 }));
    const stored = JSON.stringify(held(p, 'T1'));
    for (const hidden of ['XSCHED7', 'W1', 'maximo', 'internal only', 'priority', 'eventId'])
      expect(stored).not.toContain(hidden);
    // The interim status code is public: auditors and citizens read it.
    expect(held(p, 'T1').history[0]?.statusCode).toBe('PSC-9');
  });

  it('forgets a ticket on a tombstone', () => {
    const p = new StatusProjection();
    p.apply(status('T1', 4));
    expect(p.remove('T1')).toBe(true);
    expect(p.get('T1')).toBeUndefined();
    expect(p.apply(status('T1', 1))).toBe(true);
  });

  it('keeps the requested time when a schema v1 record follows a v2 one', () => {
    const p = new StatusProjection();
    p.apply(status('T1', 1, { requestedAt: T0 }));
    p.apply(status('T1', 2));
    expect(held(p, 'T1').requestedAt).toBe(T0);
  });
});

describe('GeoReport v2 mapping', () => {
  it('gives every standard field, with citizen-provided ones null, and the extensions', () => {
    const p = new StatusProjection();
    p.apply(status('T1', 1, { requestedAt: T0 }));
    p.apply(
      status('T1', 2, {
        lifecycleState: 'SCHEDULED',
        statusNote: 'Scheduled for 30 Nov.',
        expectedAt: Date.UTC(2026, 10, 30),
        followUpOf: 'T0',
        responseDueAt: T0 + 24 * HOUR,
        completionDueAt: T0 + 72 * HOUR,
        responseBreached: false,
        completionBreached: false,
        slaPaused: false,
      }),
    );
    expect(toGeoReport(held(p, 'T1'), contextOf(p))).toStrictEqual({
      service_request_id: 'T1',
      status: 'open',
      status_notes: 'Scheduled for 30 Nov.',
      service_name: 'Pothole',
      service_code: 'POTHOLE',
      description: null,
      agency_responsible: 'transportation',
      service_notice: 'A follow-up to request T0.',
      requested_datetime: '2026-10-05T14:03:00Z',
      updated_datetime: '2026-10-05T14:05:00Z',
      expected_datetime: '2026-11-30T00:00:00Z',
      address: null,
      address_id: null,
      zipcode: null,
      lat: null,
      long: null,
      media_url: null,
      lifecycle_state: 'SCHEDULED',
      status_code: 'ROUTED',
      request_kind: null,
      district: null,
      closure_reason: null,
      duplicate_of: null,
      follow_up_of: 'T0',
      history: [
        {
          version: 1,
          lifecycle_state: 'ROUTED',
          status: 'open',
          status_notes: 'Sent to transportation.',
          status_code: 'ROUTED',
          updated_datetime: '2026-10-05T14:04:00Z',
        },
        {
          version: 2,
          lifecycle_state: 'SCHEDULED',
          status: 'open',
          status_notes: 'Scheduled for 30 Nov.',
          status_code: 'ROUTED',
          updated_datetime: '2026-10-05T14:05:00Z',
        },
      ],
      sla: {
        response_due_datetime: '2026-10-06T14:03:00Z',
        completion_due_datetime: '2026-10-08T14:03:00Z',
        response_breached: false,
        completion_breached: false,
        paused: false,
      },
    });
  });

  it('expects completion by the SLA due date while open, and never once closed', () => {
    const p = new StatusProjection();
    p.apply(status('T1', 1, { completionDueAt: T0 + 72 * HOUR }));
    expect(toGeoReport(held(p, 'T1'), contextOf(p)).expected_datetime).toBe('2026-10-08T14:03:00Z');
    p.apply(status('T1', 2, { crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', closureReason: 'WORK_COMPLETED' }));
    p.apply(status('T1', 3, { crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', expectedAt: T0 }));
    const closed = toGeoReport(held(p, 'T1'), contextOf(p));
    expect(closed).toMatchObject({ status: 'closed', expected_datetime: null, sla: null });
  });

  it('gives an unknown service a null name and v1 records a null sla', () => {
    const p = new StatusProjection();
    p.apply(status('T1', 1, { serviceCode: 'NEW_CODE' }));
    expect(toGeoReport(held(p, 'T1'), contextOf(p))).toMatchObject({ service_name: null, sla: null });
    expect(toGeoReport(held(p, 'T1'), contextOf(p))).not.toHaveProperty('parent');
  });
});

describe('contact data scrubbing', () => {
  it.each([
    ['Call ada.lovelace+311@example.org back', 'Call [redacted] back'],
    ['Resident at 780-496-1234 says fixed', 'Resident at [redacted] says fixed'],
    ['Phone (780) 496 1234.', 'Phone [redacted].'],
    ['Reach +1 780 496 1234 or +44 20 7946 0958', 'Reach [redacted] or [redacted]'],
    ['Local 496-1234, mobile 7804961234', 'Local [redacted], mobile [redacted]'],
  ])('redacts %j', (text, expected) => expect(scrubPii(text)).toBe(expected));

  it.each([
    'Scheduled for 2026-11-30 at 14:03.',
    'Duplicate of #P-12345 — crew 7 is working on it.',
    'Work order WO-2026-000123 completed.',
  ])('keeps %j', (text) => expect(scrubPii(text)).toBe(text));
});
