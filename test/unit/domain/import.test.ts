import { beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { computeKpis, resolvedWithoutBusinessDays } from '../../../src/domain/kpi/index.ts';
import { isExpired } from '../../../src/domain/index.ts';
import { IMPORTED_VERSION_BASE } from '../../../src/domain/publish.ts';
import { ticketFromStatus } from '../../../src/kpi/from-status.ts';
import { formatKpiTable } from '../../../src/kpi/table.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';

const DAY = 86_400_000;
/** Two years before processing: history the bridge must believe, not quarantine. */
const OPENED = 1_790_000_000_000 - 730 * DAY;
const imported = (occurredAt: number, id: string) => ({ origin: 'import', occurredAt, eventId: id });

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await slaTestPolicy());
});

function open(ticketId: string, fields: Parameters<typeof crm>[3] = {}) {
  return bridge.send(
    crm(
      ticketId,
      'OPENED',
      0,
      { serviceCode: 'POTHOLE', requestedAt: OPENED, department: 'Transportation', channel: 'PHONE', ...fields },
      { ...imported(OPENED, `${ticketId}:opened`), sequence: null },
    ),
  );
}

function close(
  ticketId: string,
  at: number,
  fields: Parameters<typeof crm>[3] = {},
  kind: 'RESOLVED' | 'CANCELLED' = 'RESOLVED',
) {
  return bridge.send(
    crm(
      ticketId,
      kind,
      0,
      { closureReason: 'WORK_COMPLETED', ...fields },
      { ...imported(at, `${ticketId}:closed`), sequence: null },
    ),
  );
}

describe('imported history', () => {
  it('opens with no department command, at the export time, held by the export department, never as implausible time', () => {
    const d = open('H1');
    expect(d.commands).toEqual([]);
    expect(d.violations).toEqual([]);
    expect(d.statuses).toMatchObject([
      {
        lifecycleState: 'ROUTED',
        channel: 'PHONE',
        requestedAt: OPENED,
        envelope: { origin: 'import', occurredAt: OPENED },
        workOrders: [{ department: 'Transportation', system: 'import' }],
      },
    ]);
  });

  it('closes with the export reason at the export close time, judged against the export due date', () => {
    const due = OPENED + 2 * DAY;
    open('H2', { crmDueAt: due });
    const closedAt = OPENED + DAY;
    const d = close('H2', closedAt);
    expect(d.commands).toEqual([]);
    expect(d.violations).toEqual([]);
    expect(d.statuses).toMatchObject([
      {
        crmStatus: 'CLOSED',
        lifecycleState: 'RESOLVED',
        closureReason: 'WORK_COMPLETED',
        completionDueAt: due,
        resolvedAt: closedAt,
        completionBreached: false,
        envelope: { origin: 'import', occurredAt: closedAt },
      },
    ]);
    expect(bridge.ticket('H2').closedAt).toBe(closedAt);
    // Nothing awaits a CRM receipt for history the CRM already has.
    expect(bridge.ticket('H2').watch).toMatchObject({ confirmedVersion: IMPORTED_VERSION_BASE + 2 });
    // Numbered below every live version: the CRM never sees a gap, readers keep the live one.
    expect(bridge.statusesOf('H2').map((s) => s.version)).toEqual([
      IMPORTED_VERSION_BASE + 1,
      IMPORTED_VERSION_BASE + 2,
    ]);
  });

  // A newer export (go-live's open-now export after the history one) under an id of its own: the
  // ticket was transferred and its due date extended while it stayed open.
  it('takes a newer export of a ticket still open: its department and its due date', () => {
    const newer = (ticketId: string, fields: Parameters<typeof crm>[3]) =>
      bridge.send(
        crm(
          ticketId,
          'OPENED',
          0,
          { serviceCode: 'POTHOLE', requestedAt: OPENED, department: 'Transportation', channel: 'PHONE', ...fields },
          { ...imported(OPENED, `${ticketId}:opened:newer`), sequence: null },
        ),
      );
    for (const serviceCode of ['POTHOLE', 'TREE']) {
      const id = `U-${serviceCode}`;
      open(id, { serviceCode, crmDueAt: OPENED + 2 * DAY });
      const d = newer(id, { serviceCode, department: 'Forestry', crmDueAt: OPENED + 10 * DAY });
      expect([d.violations, d.commands]).toEqual([[], []]);
      expect(bridge.ticket(id).workOrders.map((w) => w.department)).toEqual(['Forestry']);
      expect(close(id, OPENED + 5 * DAY).statuses[0]).toMatchObject({
        completionDueAt: OPENED + 10 * DAY,
        completionBreached: false,
      });
      // Closed, it keeps its facts whatever an export says of it later.
      newer(id, { serviceCode, department: 'Streets', crmDueAt: OPENED + 20 * DAY });
      expect(bridge.ticket(id).workOrders.map((w) => w.department)).toEqual(['Forestry']);
      expect(bridge.ticket(id).sla?.completionDueAt).toBe(OPENED + 10 * DAY);
    }
  });

  it('uses the policy when the export has no due date, and flags a late closure', () => {
    open('H3');
    const d = close('H3', OPENED + 30 * DAY);
    expect(d.statuses[0]).toMatchObject({ completionBreached: true, slaPolicy: 'POTHOLE' });
  });

  it('keeps to the export due date where no policy applies, and has no target without one', () => {
    const due = OPENED + 2 * DAY;
    open('E1', { serviceCode: 'TREE', crmDueAt: due });
    expect(close('E1', OPENED + 3 * DAY).statuses[0]).toMatchObject({
      completionDueAt: due,
      resolvedAt: OPENED + 3 * DAY,
      completionBreached: true,
      slaPolicy: 'export-due-date',
    });
    open('E2', { serviceCode: 'TREE', crmDueAt: due });
    expect(close('E2', OPENED + DAY).statuses[0]).toMatchObject({ completionBreached: false });
    open('E3', { serviceCode: 'TREE' });
    expect(close('E3', OPENED + DAY).statuses[0]).toMatchObject({ completionDueAt: null, resolvedAt: null });
  });

  it('takes no due date before the request as a target, with a policy or without, and says so', () => {
    const before = OPENED - 8 * DAY;
    const word = {
      kind: 'IMPLAUSIBLE_TIME',
      detail: expect.stringMatching(
        /^export due date .* is before the request time .*; not taken as the completion target$/,
      ),
    };
    // No policy: no target, not a breach decided by one bad cell.
    expect(open('B1', { serviceCode: 'TREE', crmDueAt: before }).violations).toMatchObject([word]);
    expect(close('B1', OPENED + DAY).statuses[0]).toMatchObject({
      slaPolicy: null,
      completionDueAt: null,
      completionBreached: false,
    });
    // A policy: its own target, as if the export had none.
    expect(open('B2', { crmDueAt: before }).violations).toMatchObject([word]);
    open('B3');
    const policyDue = bridge.ticket('B3').sla?.completionDueAt;
    expect(policyDue).toBeGreaterThan(OPENED);
    expect(bridge.ticket('B2').sla).toMatchObject({ policy: 'POTHOLE', completionDueAt: policyDue });
    expect(close('B2', OPENED + DAY).statuses[0]).toMatchObject({ completionBreached: false });
  });

  it('runs no response target: an export records no first response, so no response verdict is made up', () => {
    const due = OPENED + 20 * DAY;
    open('N1');
    open('N2', { serviceCode: 'TREE', crmDueAt: due });
    expect(bridge.ticket('N1').sla).toMatchObject({ responseDueAt: null, respondedAt: null });
    const noResponse = { responseDueAt: null, respondedAt: null, responseBreached: false };
    // Resolved long after the policy's 2 business days to respond, and after the export's due date.
    expect(close('N1', OPENED + 30 * DAY).statuses[0]).toMatchObject({ ...noResponse, completionBreached: true });
    expect(close('N2', OPENED + 30 * DAY).statuses[0]).toMatchObject({ ...noResponse, completionBreached: true });
    const tickets = ['N1', 'N2'].map((id) => ticketFromStatus(bridge.lastStatus(id), 'UTC'));
    const months = [...new Set([0, 20, 30].map((d) => DateTime.fromMillis(OPENED + d * DAY).toFormat('yyyy-MM')))];
    const kpis = months.flatMap((m) => computeKpis(tickets, [], m, bridge.now, 'UTC'));
    expect(kpis.map((k) => k.responseDue)).toEqual(kpis.map(() => 0));
    expect(kpis.reduce((n, k) => n + k.resolved, 0)).toBe(2);
    expect(kpis.reduce((n, k) => n + k.completionDue, 0)).toBe(2);
  });

  it("counts the days to resolve of tickets on the export's own due date, and says they have no business days", () => {
    const days = [1, 4, 8];
    days.forEach((d, i) => {
      open(`X${i}`, { serviceCode: 'TREE', crmDueAt: OPENED + 30 * DAY });
      expect(close(`X${i}`, OPENED + d * DAY).statuses[0]).toMatchObject({
        slaPolicy: 'export-due-date',
        calendarDaysToResolve: d,
        businessDaysToResolve: null,
      });
    });
    const tickets = days.map((_, i) => ticketFromStatus(bridge.lastStatus(`X${i}`), 'UTC'));
    const month = DateTime.fromMillis(OPENED + 8 * DAY, { zone: 'UTC' }).toFormat('yyyy-MM');
    expect(DateTime.fromMillis(OPENED + DAY, { zone: 'UTC' }).toFormat('yyyy-MM')).toBe(month);
    const [kpi] = computeKpis(tickets, [], month, bridge.now, 'UTC');
    expect(kpi).toMatchObject({ resolved: 3, medianCalendarDaysToResolve: 4, medianBusinessDaysToResolve: null });
    expect(resolvedWithoutBusinessDays(tickets, month)).toBe(3);
    const footer = { definitionVersion: 1, month, provisional: false, timeZone: 'UTC', computedAt: bridge.now };
    expect(formatKpiTable(kpi ? [kpi] : [], { ...footer, withoutBusinessDays: 3 })).toContain(
      `3 ticket(s) resolved in ${month} have no business calendar (an export's own due date): counted in resolved and cd, left out of the bd percentiles`,
    );
  });

  it('links a duplicate the export names as settled history, sending no link message', () => {
    open('P1');
    open('D1');
    const d = close('D1', OPENED + DAY, { closureReason: 'DUPLICATE', duplicateOf: 'P1', note: 'Same lot.' });
    expect(d.links).toEqual([]);
    expect(d.statuses[0]).toMatchObject({ lifecycleState: 'RESOLVED', closureReason: 'DUPLICATE', duplicateOf: 'P1' });
    // A CRM closes a duplicate as it is declared: the export says nothing of the parent, which is
    // open here, so the duplicate does not say it resolved together with it, nor takes its note.
    expect(bridge.ticket('P1').state).toBe('ROUTED');
    expect(d.statuses[0]).toMatchObject({
      statusNote: 'Resolved as a duplicate of #P1. Same lot.',
      closureNote: 'Same lot.',
    });
  });

  // It asks its parent, as a live duplicate does, so it closes with it (rule 4; see
  // import-duplicates.test.ts): a link message between the bridge's partitions, sent as history.
  it('links an open duplicate the export names and asks its parent, as history: nothing cancelled, nothing sent', () => {
    open('P2');
    const d = open('D2', { duplicateOf: 'P2' });
    expect(d.links).toMatchObject([
      {
        kind: 'LINK_REQUEST',
        ticketId: 'P2',
        fromTicketId: 'D2',
        linkType: 'DUPLICATE',
        envelope: { origin: 'import' },
      },
    ]);
    expect(d.commands).toEqual([]);
    expect(d.violations).toEqual([]);
    expect(d.statuses).toMatchObject([
      {
        lifecycleState: 'DUPLICATE',
        duplicateOf: 'P2',
        // No word of the parent yet.
        statusNote: 'Duplicate of #P2.',
        workOrders: [{ department: 'Transportation', system: 'import' }],
      },
    ]);
    expect(bridge.ticket('P2').children).toEqual([{ ticketId: 'D2', linkType: 'DUPLICATE' }]);
    expect(bridge.lastStatus('D2')).toMatchObject({
      lifecycleState: 'DUPLICATE',
      statusNote: 'Duplicate of #P2 — Sent to Transportation.',
      envelope: { origin: 'import' },
    });
    expect(bridge.links.map((l) => l.envelope.origin)).toEqual(['import', 'import']);
    expect(bridge.commands).toEqual([]);
    expect(bridge.violations).toEqual([]);
    // A later export that shows it closed closes it with its parent's link as it stands.
    expect(close('D2', OPENED + DAY, { closureReason: 'DUPLICATE', duplicateOf: 'P2' }).statuses[0]).toMatchObject({
      lifecycleState: 'RESOLVED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P2',
    });
  });

  it('closes an open duplicate on its own work without saying its parent resolved, the parent not known so', () => {
    // The parent the export names is not known resolved (here: never imported at all), so the
    // duplicate is settled history and closes when the work it holds ends.
    open('D4', { serviceCode: 'GRASS', department: 'housing', duplicateOf: 'X4' });
    bridge.send(
      dept(
        'D4',
        'PW-4',
        'posse',
        'INSPECTION_SCHEDULED',
        0,
        { department: 'housing' },
        { origin: 'reconcile', sequence: null },
      ),
    );
    bridge.send(dept('D4', 'PW-4', 'posse', 'ABATED', 6, { department: 'housing' }));
    const last = bridge.lastStatus('D4');
    expect(last).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', duplicateOf: 'X4' });
    expect(last.statusNote).not.toContain('together with');
    expect(last.statusNote).toContain('#X4');
    // Its own work's note, not the parent's (none is known).
    expect(last.closureNote).toBe(bridge.ticket('D4').workOrders[0]?.publicNote);
    expect(last.closureNote).not.toBeNull();
  });

  it('cancels for the requester and refuses an imported closure without a reason', () => {
    open('C1');
    expect(
      close('C1', OPENED + DAY, { closureReason: 'CANCELLED_BY_REQUESTOR' }, 'CANCELLED').statuses[0],
    ).toMatchObject({ lifecycleState: 'CANCELLED', closureReason: 'CANCELLED_BY_REQUESTOR' });
    open('C2');
    const d = close('C2', OPENED + DAY, { closureReason: null });
    expect(d.violations.map((v) => v.kind)).toEqual(['UNDOCUMENTED_CLOSURE']);
    expect(bridge.ticket('C2').state).toBe('ROUTED');
  });

  it('refuses RESOLVED from the live CRM: resolution is the departments word', () => {
    bridge.send(crm('L1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const d = bridge.send(crm('L1', 'RESOLVED', 2, { closureReason: 'WORK_COMPLETED' }));
    expect(d.violations.map((v) => v.kind)).toEqual(['UNDOCUMENTED_CLOSURE']);
    expect(bridge.ticket('L1').state).toBe('ROUTED');
  });

  it('adopts the department work order of an open imported ticket, which then closes it as usual', () => {
    open('G1', { serviceCode: 'GRASS', department: 'housing' });
    // Adopted from the system's own observation (no feed position), then followed by its feed.
    bridge.send(
      dept(
        'G1',
        'PW-77',
        'posse',
        'INSPECTION_SCHEDULED',
        0,
        { department: 'housing' },
        { origin: 'reconcile', sequence: null },
      ),
    );
    expect(bridge.ticket('G1').workOrders.map((w) => w.workOrderId)).toEqual(['PW-77']);
    const done = bridge.send(dept('G1', 'PW-77', 'posse', 'ABATED', 6, { department: 'housing' }));
    expect(done.commands).toEqual([]);
    expect(done.statuses).toMatchObject([
      { version: 2, crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', envelope: { origin: 'closeloop' } },
    ]);
    // A later export of a ticket the bridge has run live changes nothing.
    expect(close('G1', OPENED + DAY, { closureReason: 'NO_ACTION_REQUIRED' }).statuses).toEqual([]);
  });

  it("keeps history's record of the work when a job's first event is not taken, until it is", () => {
    // Found by the property tests: the adoption was kept in the state returned with an unmapped
    // code, though the decision said nothing changed (the changelog kept the record, memory not).
    open('G4', { serviceCode: 'GRASS', department: 'housing' });
    const before = bridge.ticket('G4');
    const observed = { origin: 'reconcile', sequence: null };
    const d = bridge.send(dept('G4', 'PW-80', 'posse', 'NOT_A_CODE', 0, { department: 'housing' }, observed));
    expect(d.violations.map((v) => v.kind)).toEqual(['UNMAPPED_CODE']);
    expect(d.stateChanged).toBe(false);
    expect(bridge.ticket('G4')).toBe(before);
    expect(bridge.ticket('G4').workOrders.map((w) => w.workOrderId)).toEqual(['G4@import']);
    // A CRM update publishes nothing new: the ticket is still with housing, not back at NEW.
    expect(bridge.send(crm('G4', 'UPDATED', 2, { note: 'Called again.' })).statuses).toEqual([]);
    // The mapped code (the event replayed from quarantine after a fix) adopts the job.
    bridge.send(dept('G4', 'PW-80', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    expect(bridge.ticket('G4').workOrders.map((w) => w.workOrderId)).toEqual(['PW-80']);
  });

  it('adopts a job still at its first step, so the ticket never holds no work order', () => {
    open('G2', { serviceCode: 'GRASS', department: 'housing' });
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('G2', 'PW-78', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    expect(bridge.ticket('G2').workOrders.map((w) => [w.workOrderId, w.system, w.state, w.rawStatus])).toEqual([
      ['PW-78', 'posse', 'REQUESTED', 'RECEIVED'],
    ]);
    // Adopted, so an adoption run again observes the work order the ticket holds.
    bridge.send(dept('G2', 'PW-78', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    expect(bridge.violations).toEqual([]);
    expect(bridge.send(dept('G2', 'PW-78', 'posse', 'ABATED', 6, { department: 'housing' })).statuses).toMatchObject([
      { crmStatus: 'CLOSED', lifecycleState: 'RESOLVED' },
    ]);
  });

  it('adopts a job for an open ticket that holds no work order at all, as an earlier closeloop could leave one', () => {
    open('G4', { serviceCode: 'GRASS', department: null });
    expect(bridge.ticket('G4').workOrders).toEqual([]);
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('G4', 'PW-80', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    expect(bridge.ticket('G4').workOrders.map((w) => [w.workOrderId, w.state])).toEqual([['PW-80', 'REQUESTED']]);
    expect(bridge.violations).toEqual([]);
  });

  it('withdraws a job adopted after the CRM cancelled the ticket, with the CRM reason and note, live', () => {
    open('G5', { serviceCode: 'GRASS', department: 'housing' });
    const cancel = { closureReason: 'CANCELLED_BY_REQUESTOR' as const, note: 'Resident withdrew.' };
    bridge.send(crm('G5', 'CANCELLED', 1, cancel));
    const observed = { origin: 'reconcile', sequence: null };
    bridge.send(dept('G5', 'PW-81', 'posse', 'RECEIVED', 0, { department: 'housing' }, observed));
    expect(bridge.commands.map((c) => [c.kind, c.workOrderId, c.reason, c.note, c.envelope.origin])).toEqual([
      ['CANCEL', 'PW-81', 'CANCELLED_BY_REQUESTOR', 'Resident withdrew.', 'closeloop'],
    ]);
    bridge.send(dept('G5', 'PW-81', 'posse', 'WITHDRAWN', 2, { department: 'housing' }));
    expect(bridge.lastStatus('G5')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'CANCELLED' });
  });

  it('sends a follow-up of a ticket imported as resolved to a department, as no review can reach history', () => {
    open('H3');
    close('H3', OPENED + DAY, { note: 'Patched.' });
    bridge.send(crm('F3', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'H3', note: 'Still a hole.' }));
    // History's record of the work is no department's work order: the review is not sent, and
    // the original waits for no answer.
    expect(bridge.commands.filter((c) => c.ticketId === 'H3')).toEqual([]);
    expect(bridge.violationsOf('H3').map((v) => v.kind)).toEqual(['NO_CONNECTOR']);
    expect(bridge.ticket('H3')).toMatchObject({ reviewPending: null, children: [] });
    expect(isExpired(bridge.ticket('H3'), bridge.now, bridge.policy.retentionMs)).toBe(true);
    // The link is refused where operators look, and the citizen's report reaches a department.
    expect(bridge.violationsOf('F3')).toMatchObject([{ kind: 'UNKNOWN_ORIGINAL', linkType: 'FOLLOW_UP' }]);
    expect(bridge.violationsOf('F3')[0]?.detail).toContain('PARENT_NOT_REVIEWABLE');
    expect(bridge.commands.filter((c) => c.ticketId === 'F3')).toMatchObject([
      { kind: 'CREATE', department: 'transportation', system: 'maximo' },
    ]);
    expect(bridge.lastStatus('F3')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED', followUpOf: null });
    bridge.send(dept('F3', 'F3#1', 'maximo', 'COMP', 2, { department: 'transportation' }));
    expect(bridge.lastStatus('F3')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'WORK_COMPLETED' });
  });

  it('opens a ticket whose export time is no time (before 2000, or beyond any Date), its clock started at the export time', () => {
    // Found by the property tests: an Avro long far before any Date (here -9e15 ms) as the request
    // time, or as the event time standing in for it, made the business calendar throw in decide().
    for (const [id, requestedAt, occurredAt] of [
      ['X1', -9e15, OPENED],
      ['X2', null, -9e15],
      ['X3', Date.UTC(1900, 0, 1), OPENED],
    ] as const) {
      const d = bridge.send(
        crm(
          id,
          'OPENED',
          0,
          { serviceCode: 'POTHOLE', requestedAt, department: 'Transportation' },
          { ...imported(occurredAt, `${id}:opened`), sequence: null },
        ),
      );
      expect(d.statuses).toMatchObject([{ lifecycleState: 'ROUTED', slaPolicy: 'POTHOLE' }]);
      const startedAt = bridge.ticket(id).sla?.startedAt;
      expect(startedAt).toBe(occurredAt > 0 ? OPENED : 1_790_000_000_000);
    }
  });

  it('is a no-op when the same rows are imported again', () => {
    open('R1');
    close('R1', OPENED + DAY);
    const before = bridge.statuses.length;
    expect(open('R1').statuses).toEqual([]);
    expect(close('R1', OPENED + DAY).statuses).toEqual([]);
    expect(bridge.statuses.length).toBe(before);
  });
});
