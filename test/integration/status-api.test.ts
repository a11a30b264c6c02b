import { describe, expect, it } from 'vitest';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startStatusService, type StatusService } from '../../src/status-api/index.ts';
import { Bridge, crm, dept } from '../support/domain.ts';
import { testMessaging } from '../support/kafka.ts';
import { step, testConfig, testProcessor } from '../support/processor.ts';
import { until } from '../support/wait.ts';
import { statusApiSettings } from '../support/status-api.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const messaging = testMessaging();
const cleanup = cleanupAfter('all');

const settings = statusApiSettings();
const iso = (ms: number | null | undefined): string | null =>
  typeof ms === 'number' ? new Date(ms).toISOString().replace('.000Z', 'Z') : null;
const CONTACT = ['jane.doe@example.org', '410-555-0100', 'Jane Doe', '12 Main St'];

describe('public status API fed from Kafka', () => {
  it('answers GeoReport v2 lookups from bridge.ticket-status.v1, duplicates with their parent, and no contact data', async () => {
    const slaPolicies = {
      POTHOLE: { calendar: 'baltimore', response: '2 business_days', completion: '5 business_days' },
    };
    const { config } = await testConfig(3, 30, { slaPolicies });
    const expected = new Bridge(config.policy);
    // Both sides judge SLA breaches at the same instant, a day after the requests.
    expected.now = Date.UTC(2026, 9, 6, 12);
    const processor: LifecycleProcessor = testProcessor(config, messaging, () => expected.now);
    cleanup.push(() => processor.stop());
    await processor.start();
    const requestedAt = Date.UTC(2026, 9, 5, 14, 3);
    const description = `Pothole outside ${CONTACT[3]}; call ${CONTACT[2]} at ${CONTACT[1]} or ${CONTACT[0]}`;
    await step(config, messaging, expected, [
      crm('P1', 'OPENED', 1, {
        serviceCode: 'POTHOLE',
        serviceName: 'Pothole in the road',
        description,
        requestedAt,
        channel: 'WEB',
        requestKind: 'SERVICE',
        location: { address: '1200 N Charles St', latitude: 39.3043, longitude: -76.6163, district: 'Central' },
      }),
      crm('P2', 'OPENED', 1, { serviceCode: 'POTHOLE', description, requestedAt }),
    ]);
    await step(config, messaging, expected, [
      dept('P1', 'P1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      dept('P1', 'P1#1', 'maximo', 'WSCH', 3, { department: 'transportation', expectedAt: Date.UTC(2026, 10, 30) }),
    ]);
    // Declared once the parent's work is scheduled: records of two topics have no order between
    // them, so the duplicate comes in its own step, as the model applies it.
    await step(config, messaging, expected, [
      crm('P2', 'DUPLICATE_DECLARED', 2, { serviceCode: 'POTHOLE', duplicateOf: 'P1' }),
    ]);

    const service: StatusService = await startStatusService(
      config,
      settings,
      messaging,
      createLogger({ level: 'silent' }),
    );
    cleanup.push(() => service.stop());
    const get = async (p: string) => {
      const res = await fetch(`${service.url}${p}`);
      const body = await res.text();
      for (const c of [...CONTACT, 'Pothole outside']) expect(body).not.toContain(c);
      return { status: res.status, json: JSON.parse(body) as Record<string, unknown>[] };
    };

    // Maximo's WSCH is "waiting to schedule": accepted, with a date.
    const p1 = expected.statuses.filter((s) => s.ticketId === 'P1').at(-1);
    expect(p1?.lifecycleState).toBe('ACCEPTED');
    const one = await get('/requests/P1.json');
    expect(one.status).toBe(200);
    expect(one.json).toHaveLength(1);
    expect(one.json[0]).toMatchObject({
      service_request_id: 'P1',
      status: 'open',
      lifecycle_state: 'ACCEPTED',
      status_notes: p1?.statusNote,
      agency_responsible: 'transportation',
      service_code: 'POTHOLE',
      // From the CRM events topic: its name for the service and the public location of the issue.
      service_name: 'Pothole in the road',
      address: '1200 N Charles St',
      lat: 39.3043,
      long: -76.6163,
      expected_datetime: '2026-11-30T00:00:00Z',
      description: null,
      duplicate_of: null,
      sla: {
        response_due_datetime: iso(p1?.responseDueAt),
        completion_due_datetime: iso(p1?.completionDueAt),
        response_breached: false,
        completion_breached: false,
        paused: false,
      },
    });
    // Wed 7 Oct 10:03 in Baltimore: two business days after the request.
    expect(p1?.responseDueAt).toBe(Date.UTC(2026, 9, 7, 14, 3));
    const history = one.json[0]?.['history'] as { lifecycle_state: string }[];
    expect(history.map((h) => h.lifecycle_state)).toEqual(
      expected.statuses.filter((s) => s.ticketId === 'P1').map((s) => s.lifecycleState),
    );

    const both = await get('/requests.json?service_request_id=P1,P2,NOT-THERE');
    expect(both.json.map((r) => r['service_request_id'])).toEqual(['P1', 'P2']);
    const dup = both.json[1] ?? {};
    expect(dup['duplicate_of']).toBe('P1');
    expect(dup['parent']).toMatchObject({ service_request_id: 'P1', status: 'open', lifecycle_state: 'ACCEPTED' });

    const missing = await get('/requests/NOT-THERE.json');
    expect(missing.status).toBe(404);
    expect(missing.json[0]).toMatchObject({ code: 404 });
    expect((await get('/requests/bad%20id!.json')).status).toBe(404);
    const services = await get('/services.json');
    expect(services.json.map((s) => s['service_code'])).toEqual(['GRASS', 'POTHOLE', 'WATER']);

    // The feed keeps following the topic: completion reaches the ticket and its duplicate.
    await step(config, messaging, expected, [
      dept('P1', 'P1#1', 'maximo', 'COMP', 4, { department: 'transportation', note: 'Patched.' }),
    ]);
    const lastOf = (id: string) => expected.statuses.filter((s) => s.ticketId === id).at(-1);
    expect(lastOf('P1')?.crmStatus).toBe('CLOSED');
    await until('P1 closed in the projection', () => service.projection.get('P1')?.version === lastOf('P1')?.version);
    await until('P2 current in the projection', () => service.projection.get('P2')?.version === lastOf('P2')?.version);
    const closed = await get('/requests.json?service_request_id=P1,P2');
    expect(closed.json.map((r) => [r['service_request_id'], r['status'], r['lifecycle_state']])).toEqual(
      ['P1', 'P2'].map((id) => [id, lastOf(id)?.crmStatus.toLowerCase(), lastOf(id)?.lifecycleState]),
    );
    expect(closed.json[0]?.['closure_reason']).toBe('WORK_COMPLETED');
    // The duplicate shows its parent as it is now; its own work order was withdrawn, but the
    // close gate waits for Maximo to confirm that before the duplicate closes.
    expect(closed.json[1]?.['parent']).toMatchObject({ service_request_id: 'P1', status: 'closed' });
    expect(closed.json[1]).toMatchObject({ status: 'open', lifecycle_state: 'DUPLICATE' });
    expect(expected.commands.filter((c) => c.ticketId === 'P2').map((c) => [c.kind, c.reason])).toEqual([
      ['CREATE', null],
      ['CANCEL', 'DUPLICATE'],
    ]);
    await step(config, messaging, expected, [dept('P2', 'P2#1', 'maximo', 'CAN', 3, { department: 'transportation' })]);
    await until('P2 closed in the projection', () => service.projection.get('P2')?.version === lastOf('P2')?.version);
    const dupClosed = await get('/requests/P2.json');
    expect(dupClosed.json[0]).toMatchObject({
      status: 'closed',
      lifecycle_state: 'RESOLVED',
      closure_reason: 'DUPLICATE',
      duplicate_of: 'P1',
    });
  });
});
