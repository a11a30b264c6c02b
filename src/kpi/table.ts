import type { KpiRecord } from '../domain/kpi/index.ts';

export const NONE = '—';

const pct = (value: number | null): string => (value === null ? NONE : value.toFixed(1));
const days = (value: number | null): string => (value === null ? NONE : value.toFixed(2));
/** A percentage with what it was taken of, so 100.0 of 1 does not read like 100.0 of 200. */
const ratio = (value: number | null, part: number, whole: number): string =>
  value === null ? NONE : `${pct(value)} (${part}/${whole})`;

const HEADER = [
  'department',
  'responded %',
  'completed %',
  'open late',
  'resolved',
  'median bd',
  'p90 bd',
  'median cd',
  'premature',
  'dup linked',
  'link cover %',
  'misroutes',
  'drift',
];

function row(r: KpiRecord): string[] {
  return [
    r.department,
    ratio(r.respondedOnTimePct, r.respondedOnTime, r.responseDue),
    ratio(r.completedOnTimePct, r.completedOnTime, r.completionDue),
    String(r.stillOpenPastDue),
    String(r.resolved),
    days(r.medianBusinessDaysToResolve),
    days(r.p90BusinessDaysToResolve),
    days(r.medianCalendarDaysToResolve),
    String(r.prematureClosesBlocked),
    `${r.duplicatesLinked}/${r.duplicatesClosed}`,
    pct(r.duplicateLinkCoveragePct),
    String(r.misroutes),
    `${r.drift}`,
  ];
}

export interface TableFooter {
  readonly definitionVersion: number;
  readonly month: string;
  readonly provisional: boolean;
  /** The zone the month is judged in. */
  readonly timeZone: string;
  readonly computedAt: number;
  /** Tickets resolved in the month that have no business days to resolve (docs/kpi.md R6). */
  readonly withoutBusinessDays?: number;
}

/**
 * The month's KPI records as plain-text lines: one row per department, numbers right-aligned,
 * then what the figures mean and whether the month can still change.
 */
export function formatKpiTable(records: readonly KpiRecord[], footer: TableFooter): string[] {
  const lines: string[] = [];
  if (records.length === 0) {
    lines.push(`no KPI figures for ${footer.month}`);
  } else {
    // Who answers for each department, where the city keeps a roles file: last, left-aligned.
    const named = records.some((r) => r.accountable !== null);
    const header = named ? [...HEADER, 'accountable'] : HEADER;
    const rows = [header, ...records.map((r) => (named ? [...row(r), r.accountable ?? NONE] : row(r)))];
    const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    const left = (i: number) => i === 0 || (named && i === header.length - 1);
    for (const r of rows) {
      const cells = r.map((cell, i) => (left(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
      lines.push(cells.join('  ').trimEnd());
    }
    lines.push(
      `% on time with (met/due); bd = business days, cd = calendar days to resolve; dup linked = linked/closed; drift = found by reconciliation; ${NONE} = none`,
    );
  }
  const without = footer.withoutBusinessDays ?? 0;
  if (without > 0) {
    lines.push(
      `${without} ticket(s) resolved in ${footer.month} have no business calendar (an export's own due date): counted in resolved and cd, left out of the bd percentiles`,
    );
  }
  const at = new Date(footer.computedAt).toISOString();
  const state = footer.provisional
    ? `provisional: the month is not over in ${footer.timeZone} as of ${at}`
    : `complete as of ${at}`;
  lines.push(`KPI definition v${footer.definitionVersion}, month ${footer.month}, ${state}`);
  return lines;
}
