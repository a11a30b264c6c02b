import type { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { ReconcileReport } from '../../src/reconcile/index.ts';
import { bridgeRun, type BridgeRun } from './bridge-run.ts';
import type { Cleanup } from './cleanup.ts';
import { openTickets, startFaultWorker } from './fault-worker.ts';
import { testMessaging } from './kafka.ts';
import { readCommitted } from './processor.ts';

/**
 * A bridge whose reconciliation finds drift at once (nothing left to settle, 100 lookups a
 * second), a worker on it and `tickets` tickets opened in the CRM; `cleanup` stops both.
 */
export async function reconcilingRun(cleanup: Cleanup, tickets: number) {
  const run = await bridgeRun({ config: { reconcile: { settleSeconds: 0, ratePerSecond: 100 } } });
  cleanup.push(() => run.stop());
  const fw = await startFaultWorker(run.config);
  cleanup.push(() => fw.stop());
  openTickets(run, tickets);
  return { run, fw };
}

/** A bridge.drift.v1 record as the tests read it. */
export interface DriftRead {
  readonly ticketId: string;
  readonly driftId: string;
  readonly kind: string;
  readonly department: string | null;
  readonly workOrderId: string | null;
  readonly action: string;
  readonly detail: string;
}

export async function driftRecords(config: CloseloopConfig): Promise<DriftRead[]> {
  return (await readCommitted<DriftRead>(testMessaging(), config.topics.drift)).values;
}

/** Calls the simulators served on their lookup routes so far (the lookups' own reads). */
export function lookupCalls(run: BridgeRun): number {
  return (
    (run.crm.server.calls.get('GET /api/v1/tickets/:id') ?? 0) +
    (run.posse.server.calls.get('GET /posse/api/jobs/:ref') ?? 0)
  );
}

/**
 * The cost of one run against the simulators, as a `[reconcile]` line: tickets checked per
 * second, and lookup calls per ticket (a ticket costs one CRM read and one per open work order).
 */
export function costLine(scenario: string, report: ReconcileReport, calls: number): string {
  const perSecond = report.ms > 0 ? (report.checked * 1000) / report.ms : report.checked;
  const perTicket = report.checked > 0 ? calls / report.checked : 0;
  return (
    `[reconcile] ${scenario}: ${report.checked} ticket(s) in ${report.ms} ms = ${perSecond.toFixed(1)} tickets/s; ` +
    `${calls} lookup call(s) = ${perTicket.toFixed(2)} per ticket; ${report.outcomes.length} finding(s)`
  );
}

/**
 * crmTally for a CRM restored from a backup: the applied log is kept across the restore (it is an
 * access log), so versions are judged from the restore on. Per ticket, updates applied after the
 * first `appliedBeforeRestore` entries of the log must continue from the version the backup held,
 * without a gap; duplicated counts versions received again while already applied. The log's
 * length, not a time, marks the restore: an update applied in the same millisecond would
 * otherwise count on the wrong side.
 */
export function tallySinceRestore(
  crm: CrmSimulator,
  appliedBeforeRestore: number,
  backupVersions: ReadonlyMap<string, number>,
): { lost: number; duplicated: number } {
  let lost = 0;
  const since = crm.applied.slice(appliedBeforeRestore);
  for (const t of crm.tickets.values()) {
    const base = backupVersions.get(t.id) ?? 0;
    const after = since.filter((a) => a.ticketId === t.id).map((a) => a.version);
    lost += after.filter((v, i) => v !== base + i + 1).length + (t.status === 'closed' ? 0 : 1);
  }
  return { lost, duplicated: crm.repeatedUpdates };
}
