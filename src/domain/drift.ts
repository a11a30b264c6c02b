import { reconcileMoves } from './decide-reconcile.ts';
import { isClosed, isTerminalWork } from './lifecycle.ts';
import { holdingDepartment } from './notes.ts';
import { lookupCode, type Policy } from './policy.ts';
import type { TicketState } from './state.ts';
import type { WorkOrderEvent } from './types.ts';

/** Where the bridge and the systems it connects disagree (see classifyDrift). */
export const DRIFT_KINDS = [
  'CRM_BEHIND',
  'CRM_CLOSED_BY_HAND',
  'DEPT_AHEAD',
  'DEPT_MISSING',
  'CRM_MISSING',
  'CRM_AHEAD',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** What a CRM lookup says of a ticket, as far as drift is concerned. */
export interface CrmView {
  readonly status: 'open' | 'closed';
  /** The last status version the CRM applied from the bridge. */
  readonly statusVersion: number;
}

/**
 * The systems' answers about one ticket. undefined: not asked (no lookup serves it, or the
 * system was unreachable, so nothing can be said); null: the system does not know the item.
 */
export interface Observations {
  readonly crm?: CrmView | null;
  /** By work-order id; a work order left out was not asked about. */
  readonly workOrders: ReadonlyMap<string, WorkOrderEvent | null>;
}

export interface DriftFinding {
  readonly kind: DriftKind;
  readonly ticketId: string;
  /**
   * The same drift found again by a later run has the same id, so it can be counted once: the
   * kind, the ticket, the work order and what was observed.
   */
  readonly driftId: string;
  /** The department holding the work (for CRM findings, the ticket's holding department). */
  readonly department: string | null;
  readonly system: string | null;
  readonly workOrderId: string | null;
  /** The version of the last status the bridge sent. */
  readonly bridgeVersion: number;
  /** The status version the CRM has applied; null when not read or missing. */
  readonly crmVersion: number | null;
  /** The bridge's state of the ticket, or of the work order for department findings. */
  readonly bridgeState: string;
  /** What the system shows: the CRM's status, or the department's mapped state. */
  readonly observedState: string | null;
  readonly rawStatus: string | null;
  readonly detail: string;
  /** DEPT_AHEAD: the department's observation, to be fed to the processor as it is. */
  readonly observation: WorkOrderEvent | null;
}

/**
 * Compares one ticket's bridge state with what its systems show. Pure: the reconciliation engine
 * does the reading and the healing.
 *
 * - CRM_MISSING: the CRM does not know the ticket.
 * - CRM_BEHIND: the CRM applied fewer of the bridge's statuses than it sent (a restore).
 * - CRM_AHEAD: the CRM applied a status version above any the bridge holds as sent (the bridge's
 *   state restored from an older backup, its changelog recreated): the CRM would take every next
 *   status of the ticket as a repeat and drop it.
 * - CRM_CLOSED_BY_HAND: the CRM is at the bridge's latest version, which was open, yet closed.
 * - DEPT_AHEAD: a department shows a state, mapped, further along than the bridge holds.
 * - DEPT_MISSING: a department does not know a work order the bridge holds open (and it had
 *   acknowledged: one still REQUESTED may not have reached it yet), or knows it as another
 *   ticket's or under another id (its observation names them).
 */
export function classifyDrift(t: TicketState, obs: Observations, policy: Policy): DriftFinding[] {
  const findings: DriftFinding[] = [];
  const crmFinding = (kind: DriftKind, crm: CrmView | null, detail: string): DriftFinding => ({
    kind,
    ticketId: t.ticketId,
    driftId: `${kind}:${t.ticketId}:${crm?.statusVersion ?? 'none'}`,
    department: holdingDepartment(t),
    system: null,
    workOrderId: null,
    bridgeVersion: t.version,
    crmVersion: crm?.statusVersion ?? null,
    bridgeState: t.state,
    observedState: crm?.status ?? null,
    rawStatus: null,
    detail,
    observation: null,
  });
  const crm = obs.crm;
  // A ticket only ever imported holds a version below 0 (IMPORTED_VERSION_BASE): the CRM, which
  // never receives history, counts from 0, as the bridge's next live status does.
  const sent = Math.max(t.version, 0);
  if (crm === null) {
    findings.push(crmFinding('CRM_MISSING', null, `the CRM does not know the ticket; the bridge sent v${t.version}`));
  } else if (crm !== undefined && crm.statusVersion < t.version) {
    findings.push(
      crmFinding(
        'CRM_BEHIND',
        crm,
        `the CRM shows status v${crm.statusVersion} (${crm.status}); the bridge sent up to v${t.version}`,
      ),
    );
  } else if (crm !== undefined && crm.statusVersion > sent) {
    const bridgeStatus = isClosed(t.state) ? 'closed' : 'open';
    const differs = crm.status === bridgeStatus ? '' : `, not ${bridgeStatus} as the bridge holds it`;
    findings.push(
      crmFinding(
        'CRM_AHEAD',
        crm,
        `the CRM shows status v${crm.statusVersion} (${crm.status}${differs}), above v${sent} the bridge holds as ` +
          `sent (${t.state}): it would take the bridge's next statuses as repeats`,
      ),
    );
  } else if (crm?.statusVersion === t.version && crm.status === 'closed' && !isClosed(t.state) && t.version > 0) {
    findings.push(
      crmFinding(
        'CRM_CLOSED_BY_HAND',
        crm,
        `closed in the CRM at v${crm.statusVersion}, which the bridge sent as ${t.state} (open)`,
      ),
    );
  }
  for (const wo of t.workOrders) {
    if (isTerminalWork(wo.state) || wo.misrouted || !obs.workOrders.has(wo.workOrderId)) continue;
    const seen = obs.workOrders.get(wo.workOrderId) ?? null;
    const base = {
      ticketId: t.ticketId,
      department: wo.department,
      system: wo.system,
      workOrderId: wo.workOrderId,
      bridgeVersion: t.version,
      crmVersion: crm?.statusVersion ?? null,
      bridgeState: wo.state,
    };
    if (seen === null) {
      // Never acknowledged: its create command may still be on its way (a sink paused by an
      // outage), so a miss proves nothing; the sentinel alerts on a ticket left ROUTED instead.
      if (wo.state === 'REQUESTED') continue;
      findings.push({
        ...base,
        kind: 'DEPT_MISSING',
        driftId: `DEPT_MISSING:${t.ticketId}:${wo.workOrderId}`,
        observedState: null,
        rawStatus: null,
        detail: `${wo.system}/${wo.department} does not know work order ${wo.workOrderId}, which the bridge holds ${wo.state}`,
        observation: null,
      });
      continue;
    }
    // The department holds the work order under another ticket (records merged there, a link
    // changed by hand): fed to the processor, it would be applied to the wrong ticket or not at all.
    if (seen.ticketId !== t.ticketId || seen.workOrderId !== wo.workOrderId) {
      findings.push({
        ...base,
        kind: 'DEPT_MISSING',
        driftId: `DEPT_MISSING:${t.ticketId}:${wo.workOrderId}`,
        observedState: null,
        rawStatus: seen.rawStatus,
        detail:
          `${wo.system}/${wo.department} does not know work order ${wo.workOrderId} as this ticket's: ` +
          `it links it to ticket ${seen.ticketId}, work order ${seen.workOrderId}`,
        observation: null,
      });
      continue;
    }
    // An unmapped code is the processor's to quarantine; it is not drift.
    const entry = lookupCode(policy, seen.system, seen.rawStatus);
    if (!entry || !reconcileMoves(wo.state, entry.state)) continue;
    findings.push({
      ...base,
      kind: 'DEPT_AHEAD',
      driftId: `DEPT_AHEAD:${t.ticketId}:${wo.workOrderId}:${seen.rawStatus}`,
      observedState: entry.state,
      rawStatus: seen.rawStatus,
      detail: `${wo.system}/${wo.department} shows ${seen.rawStatus} (${entry.state}); the bridge holds ${wo.state}`,
      observation: seen,
    });
  }
  return findings;
}
