/**
 * Property test of the CRM sink (README "Connectors": versioned status updates, a repeat
 * acknowledged, a ticket an agent holds open retried, never counted as delivered until applied):
 * seeded, shrinking tickets moved by the pure lifecycle (test/support/property-sink/statuses.ts),
 * their statuses delivered as the sink runner delivers them, a ticket's in order and retried while
 * the error is retriable, against a CRM that fails calls before or after applying them and whose
 * agents hold tickets open a while. Every status is applied once, in version order, and the CRM
 * ends showing each ticket's last status. PROPERTY_SEED and PROPERTY_RUNS explore further.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import type { TicketStatusChange } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { check } from '../../support/property/check.ts';
import { statusScript, type StatusScript, type TicketStep } from '../../support/property-sink/statuses.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const TIMEOUT_MS = 150;
const TRIES = 25;
const policy = await testPolicy();

/** A ticket's statuses as the lifecycle makes them from its steps. */
function statusesOf(id: string, steps: readonly TicketStep[]): TicketStatusChange[] {
  const bridge = new Bridge(policy);
  bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  steps.forEach((s, i) => {
    const seq = i + 2;
    if (s.kind === 'dept')
      bridge.send(dept(id, `${id}#1`, 'maximo', s.rawStatus, seq, { department: 'transportation' }));
    else if (s.kind === 'note') bridge.send(crm(id, 'UPDATED', seq, { note: `Note ${seq}: call before 5.` }));
    else bridge.send(crm(id, 'CANCELLED', seq, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Fixed already.' }));
  });
  return bridge.statusesOf(id);
}

async function play(s: StatusScript): Promise<void> {
  const faults = { ...s.faults, lateAnswerMs: TIMEOUT_MS + 100 };
  const sim = new CrmSimulator({ token: 'tok', faults, lockAnswer: s.lockAnswer, repeatConflict: s.repeatConflict });
  const url = await sim.start();
  try {
    const config = parseConnectorConfig('crm-rest', crmRest.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      timeoutMs: TIMEOUT_MS,
    });
    const ctx = { logger: createLogger({ level: 'silent' }), env: { CRM_API_TOKEN: 'tok' }, clock: Date.now };
    const sink = crmRest.sink?.(config, ctx);
    if (!sink) throw new Error('no sink');
    const tickets = s.tickets.map((t) => ({ ...t, id: sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id }));
    const sent = await Promise.all(
      tickets.map(async (t) => {
        const statuses = statusesOf(t.id, t.steps);
        for (const status of statuses) {
          if (t.lock?.at === status.version) sim.lockTicket(t.id);
          let refused = 0;
          await deliver(sink, status, (e) => {
            // The agent closes the ticket's edit after a while.
            if (e.code === 'CL_CONNECTOR_NOT_APPLIED' && ++refused >= (t.lock?.refusals ?? 0)) sim.unlockTicket(t.id);
          });
        }
        return { id: t.id, statuses };
      }),
    );
    sim.server.setFaults({});
    for (const { id, statuses } of sent) judge(sim, id, statuses);
  } finally {
    await sim.stop();
  }
}

/** Delivers as the runner does: tried again while the error is retriable; anything else fails the property. */
async function deliver(
  sink: { deliver(s: TicketStatusChange): Promise<void> },
  status: TicketStatusChange,
  refused: (e: CloseloopError) => void,
): Promise<void> {
  for (let tries = 0; tries < TRIES; tries += 1) {
    try {
      await sink.deliver(status);
      return;
    } catch (e) {
      check(e instanceof CloseloopError, `v${status.version} failed with an untyped error`, String(e));
      check(e.retriable, `v${status.version} of ${status.ticketId} failed for good: ${e.code}`, e.message);
      refused(e);
    }
  }
  check(false, `v${status.version} of ${status.ticketId} still failing after ${TRIES} tries`);
}

function judge(sim: CrmSimulator, id: string, statuses: readonly TicketStatusChange[]): void {
  const applied = sim.applied.filter((a) => a.ticketId === id);
  check(
    applied.map((a) => a.version).join() === statuses.map((s) => s.version).join(),
    `${id}: versions applied are not each status once, in order`,
    { applied: applied.map((a) => a.version), sent: statuses.map((s) => s.version) },
  );
  const last = statuses.at(-1);
  const shown = sim.tickets.get(id);
  check(
    last !== undefined && shown?.statusVersion === last.version && shown.lifecycleState === last.lifecycleState,
    `${id}: the CRM does not show the last status`,
    { shown: shown && [shown.statusVersion, shown.lifecycleState], last: last && [last.version, last.lifecycleState] },
  );
}

describe('CRM sink properties', () => {
  it(
    'applies every status once, in version order, under faults and agents holding tickets open; the CRM ends at the last',
    { timeout: 180_000 * Math.max(1, SCALE) },
    async () => {
      await fc.assert(
        fc.asyncProperty(statusScript, (s) => play(s)),
        { seed: SEED, numRuns: Math.max(1, Math.round(25 * SCALE)) },
      );
    },
  );
});
