import type { CrmSimulator } from '../connectors/crm-rest/simulator.ts';
import type { MaximoSimulator } from '../connectors/maximo/simulator.ts';
import type { PosseSimulator } from '../connectors/posse/simulator.ts';
import type { Violation } from '../src/domain/index.ts';

export interface DemoRow {
  readonly ticketId: string;
  readonly serviceCode: string;
  readonly crm: string;
  readonly version: number;
  readonly closureReason: string | null;
  readonly link: string | null;
  readonly department: string;
  /** The systems the ticket's work went to. */
  readonly systems: readonly string[];
  readonly note: string;
}

export interface DemoTotals {
  readonly tickets: number;
  readonly resolved: number;
  readonly openInterim: Readonly<Record<string, number>>;
  readonly prematureClosesBlocked: number;
  readonly duplicatesDeclared: number;
  readonly duplicatesLinked: number;
  readonly duplicatesResolvedThroughParent: number;
  readonly followUps: number;
  readonly reopened: number;
  /** Departments' "not ours" answers (MISROUTE), and those that sent the ticket to the next department. */
  readonly misroutes: number;
  readonly misroutesRerouted: number;
  readonly crmUpdates: number;
  /** Department records made, per system: POSSE jobs and Maximo work orders. */
  readonly workOrders: Readonly<Record<'posse' | 'maximo', number>>;
  readonly seconds: number;
}

export interface DemoSummary {
  readonly rows: readonly DemoRow[];
  readonly totals: DemoTotals;
  /** Tickets the CRM shows closed while a department job is still going: must be none. */
  readonly gateViolations: readonly string[];
}

export function summarize(
  crm: CrmSimulator,
  posse: PosseSimulator,
  maximo: MaximoSimulator,
  /** Maximo site -> department, as the demo configured them. */
  sites: Readonly<Record<string, string>>,
  violations: readonly Violation[],
  ms: number,
): DemoSummary {
  const lastChange = (jobId: string) => posse.changes.filter((c) => c.jobId === jobId).at(-1);
  // COMP is the end of the work; the CLOSE that follows days later is bookkeeping.
  const maximoDone = (status: string) => ['COMP', 'CLOSE', 'CAN'].includes(status);
  const jobsOf = (id: string) => [
    ...[...posse.jobs.values()]
      .filter((j) => j.ticketId === id)
      .map((j) => ({
        system: 'posse',
        department: j.department,
        at: lastChange(j.jobId)?.outcome ?? 'NEW',
        done: j.done,
      })),
    ...[...maximo.workOrders.values()]
      .filter((w) => w.origrecordclass === 'SR' && w.origrecordid === id)
      .map((w) => ({
        system: 'maximo',
        department: sites[w.siteid] ?? w.siteid,
        at: w.status,
        done: maximoDone(w.status),
      })),
  ];
  const rows: DemoRow[] = [];
  const gateViolations: string[] = [];
  const openInterim: Record<string, number> = {};
  for (const t of crm.tickets.values()) {
    const applied = crm.applied.filter((a) => a.ticketId === t.id);
    const last = applied.at(-1);
    const jobs = jobsOf(t.id);
    const department = jobs.length
      ? jobs.map((j) => `${j.department} ${j.at}${j.done ? '' : ' (working)'}`).join('; ')
      : '—';
    if (t.status === 'closed' && jobs.some((j) => !j.done))
      gateViolations.push(`${t.id}: CRM closed while ${department}`);
    if (t.status === 'open') openInterim[t.lifecycleState] = (openInterim[t.lifecycleState] ?? 0) + 1;
    rows.push({
      ticketId: t.id,
      serviceCode: t.serviceCode,
      crm: `${t.status} ${t.lifecycleState}`,
      version: t.statusVersion,
      closureReason: t.closureReason,
      link: last?.duplicateOf
        ? `dup of ${last.duplicateOf}`
        : last?.followUpOf
          ? `follow-up of ${last.followUpOf}`
          : null,
      department,
      systems: [...new Set(jobs.map((j) => j.system))],
      note: t.statusNote ?? '',
    });
  }
  const count = (kind: string) => violations.filter((v) => v.kind === kind).length;
  const linked = new Set(crm.applied.filter((a) => a.duplicateOf).map((a) => a.ticketId));
  return {
    rows,
    gateViolations,
    totals: {
      tickets: rows.length,
      resolved: [...crm.tickets.values()].filter((t) => t.status === 'closed').length,
      openInterim,
      prematureClosesBlocked: count('PREMATURE_CLOSE'),
      duplicatesDeclared: crm.changes.filter((c) => c.kind === 'DUPLICATE_DECLARED').length,
      duplicatesLinked: linked.size,
      duplicatesResolvedThroughParent: [...crm.tickets.values()].filter((t) => t.closureReason === 'DUPLICATE').length,
      followUps: [...crm.tickets.values()].filter((t) => t.followUpOf).length,
      reopened: new Set(crm.applied.filter((a) => a.lifecycleState === 'REOPENED').map((a) => a.ticketId)).size,
      misroutes: count('MISROUTE'),
      // A "not ours" to a CANCEL, or on a ticket already settled, sends it nowhere: apply-work's
      // MISROUTE says so in its detail ("not re-routed: ..."), and only the rest were re-routed.
      misroutesRerouted: violations.filter((v) => v.kind === 'MISROUTE' && !v.detail.includes('not re-routed')).length,
      crmUpdates: crm.applied.length,
      workOrders: { posse: posse.jobs.size, maximo: maximo.workOrders.size },
      seconds: Math.round(ms / 100) / 10,
    },
  };
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export function printReport(s: DemoSummary, all: boolean): void {
  // The first rows, and the first few of each system so that every department shows.
  const firstOf = new Map<string, number>();
  const early = (r: DemoRow) =>
    r.systems.some((sys) => {
      firstOf.set(sys, (firstOf.get(sys) ?? 0) + 1);
      return (firstOf.get(sys) ?? 0) <= 5;
    });
  const shown = all
    ? s.rows
    : s.rows.filter((r, i) => early(r) || i < 15 || r.link !== null || r.crm.startsWith('open'));
  console.log(
    `\n${cut('ticket', 10)} ${cut('request type', 30)} ${cut('CRM shows', 22)} ${cut('v', 3)} ${cut('reason', 22)} ${cut('link', 22)} department`,
  );
  for (const r of shown) {
    console.log(
      `${cut(r.ticketId, 10)} ${cut(r.serviceCode, 30)} ${cut(r.crm, 22)} ${cut(String(r.version), 3)} ${cut(r.closureReason ?? '', 22)} ${cut(r.link ?? '', 22)} ${r.department}`,
    );
  }
  if (shown.length < s.rows.length)
    console.log(`… ${s.rows.length - shown.length} more resolved tickets (--all shows every one)`);
  const t = s.totals;
  console.log('\nTotals');
  console.log(`  tickets                          ${t.tickets}`);
  console.log(`  resolved (closed in the CRM)     ${t.resolved}`);
  console.log(
    `  still open, interim status       ${
      Object.entries(t.openInterim)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0'
    }`,
  );
  console.log(`  premature closes blocked         ${t.prematureClosesBlocked}`);
  console.log(`  duplicates declared / linked     ${t.duplicatesDeclared} / ${t.duplicatesLinked}`);
  console.log(`  duplicates resolved via parent   ${t.duplicatesResolvedThroughParent}`);
  console.log(`  follow-ups / originals reopened  ${t.followUps} / ${t.reopened}`);
  console.log(`  misroutes / re-routed            ${t.misroutes} / ${t.misroutesRerouted}`);
  console.log(`  CRM status updates applied       ${t.crmUpdates}`);
  console.log(`  POSSE jobs / Maximo work orders  ${t.workOrders.posse} / ${t.workOrders.maximo}`);
  console.log(`  took                             ${t.seconds} s`);
  console.log(
    s.gateViolations.length === 0
      ? '  close gate                       held for every ticket'
      : `  CLOSE GATE BROKEN                ${s.gateViolations.length}:\n    ${s.gateViolations.join('\n    ')}`,
  );
}
