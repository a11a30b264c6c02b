import { expect, it } from 'vitest';
import { CHICAGO_HEADER, chicagoMapping, chicagoRow as row, importExport } from '../../support/city-exports.ts';
import { Bridge, crm, slaTestPolicy } from '../../support/domain.ts';

const OPEN = { STATUS: 'Open', CLOSED_DATE: '' } as const;

async function exported(...rows: string[]) {
  const { result, published } = await importExport([CHICAGO_HEADER, ...rows, ''].join('\n'), chicagoMapping);
  expect(result.rejected).toBe(0);
  return published;
}

// The go-live flow: the history export, then the export of what is open now. A ticket open in
// both whose row changed (transferred to another department) was quarantined as EVENT_ID_REUSED,
// the same event id with other content, and kept the history export's facts.
it('applies a newer export of a ticket still open, and an export imported again changes nothing', async () => {
  const bridge = new Bridge(await slaTestPolicy());
  const send = (events: Awaited<ReturnType<typeof exported>>) =>
    events.map((event) => bridge.send({ type: 'crm', event }));
  const history = await exported(row(2, OPEN));
  const now = await exported(row(2, { ...OPEN, OWNER_DEPARTMENT: 'Streets and Sanitation' }));
  send(history);
  expect(bridge.ticket('SR24-00000102').workOrders.map((w) => w.department)).toEqual([
    'CDOT - Department of Transportation',
  ]);

  send(now);
  expect(bridge.violationsOf('SR24-00000102')).toEqual([]);
  const t = bridge.ticket('SR24-00000102');
  expect(t.workOrders.map((w) => w.department)).toEqual(['Streets and Sanitation']);

  // Either export imported again: the events the processor has applied, nothing changes.
  for (const again of [now, history]) {
    const decisions = send(again);
    expect(decisions.map((d) => d.stateChanged)).toEqual(again.map(() => false));
  }
  expect(bridge.ticket('SR24-00000102')).toEqual(t);
  expect(bridge.violationsOf('SR24-00000102')).toEqual([]);
});

// Tickets the previous version imported have event ids ending `:opened`; the export imported
// again after the upgrade carries new ids. A history ticket the live CRM has touched (its feed
// position set, no public change, so its version still below 1) was quarantined STALE_EVENT.
it('an export imported again after the upgrade changes nothing for a history ticket the live CRM touched', async () => {
  const bridge = new Bridge(await slaTestPolicy());
  const history = await exported(row(2, OPEN));
  const oldIds = history.map((e) => ({
    ...e,
    envelope: { ...e.envelope, eventId: e.envelope.eventId.replace(/:opened:[0-9a-f]+$/, ':opened') },
  }));
  for (const event of oldIds) bridge.send({ type: 'crm', event });
  const id = 'SR24-00000102';
  bridge.send(crm(id, 'UPDATED', 1, {}, { sequence: null }));
  const t = bridge.ticket(id);
  expect(t.crmPosition).toBeGreaterThan(Number.NEGATIVE_INFINITY);

  // New event ids, so the ticket remembers them; nothing else changes and nobody hears of it.
  const decisions = history.map((event) => bridge.send({ type: 'crm', event }));
  expect(decisions.flatMap((d) => [...d.violations, ...d.statuses, ...d.commands])).toEqual([]);
  expect(bridge.violationsOf(id)).toEqual([]);
  expect({ ...bridge.ticket(id), recentEventIds: [] }).toEqual({ ...t, recentEventIds: [] });
});

// A history row with no due date, of a service with no policy, runs no clock; a newer export's
// due date was then dropped, as updateImported only moves a clock's target.
it("a newer export's due date starts the clock of a ticket held open as history without one", async () => {
  const bridge = new Bridge(await slaTestPolicy());
  const DAY = 86_400_000;
  const opened = Date.UTC(2024, 0, 2);
  const send = (eventId: string, fields: Parameters<typeof crm>[3]) =>
    bridge.send(
      crm(
        'X-1',
        'OPENED',
        0,
        { serviceCode: 'NOPOLICY', requestedAt: opened, department: 'Forestry', channel: 'PHONE', ...fields },
        { origin: 'import', occurredAt: opened, eventId, sequence: null },
      ),
    );
  send('X-1:opened:a', {});
  expect(bridge.ticket('X-1').sla).toBeNull();
  const d = send('X-1:opened:b', { crmDueAt: opened + 10 * DAY });
  expect(d.violations).toEqual([]);
  expect(bridge.ticket('X-1').sla).toMatchObject({ policy: 'export-due-date', completionDueAt: opened + 10 * DAY });
});
