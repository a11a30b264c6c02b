import type { MonthVolume } from '../domain/kpi/index.ts';
import { csvLine } from './csv.ts';

export const VOLUME_FORMATS = ['table', 'json', 'csv'] as const;
export type VolumeFormat = (typeof VOLUME_FORMATS)[number];

/** Sums the per-month counts of one breakdown over the months given, sorted by count, then name. */
function totals(months: readonly MonthVolume[], pick: (m: MonthVolume) => Iterable<readonly [string, number]>) {
  const sum = new Map<string, number>();
  for (const m of months) for (const [k, n] of pick(m)) sum.set(k, (sum.get(k) ?? 0) + n);
  return [...sum].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  // The first column is text, left-aligned; the rest are counts, right-aligned.
  return rows.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * For people: one line per month (tickets and how the resolved ones fared against their target),
 * a total, then departments and channels over the whole range, and each month's top types.
 */
function table(months: readonly MonthVolume[], timeZone: string): string[] {
  if (months.length === 0) return ['no tickets were requested in these months'];
  const sum = (k: 'tickets' | 'resolvedOnTime' | 'resolvedLate' | 'resolvedNoTarget') =>
    String(months.reduce((n, m) => n + m[k], 0));
  const first = months[0]?.month ?? '';
  const last = months[months.length - 1]?.month ?? '';
  const lines = [
    `Volume by month of request, ${first} to ${last} (${months.length} month(s) with requests; ` +
      `months are cut in each ticket's SLA zone, else ${timeZone})`,
    ...aligned([
      ['month', 'tickets', 'on time', 'late', 'no target'],
      ...months.map((m) => [
        m.month,
        String(m.tickets),
        String(m.resolvedOnTime),
        String(m.resolvedLate),
        String(m.resolvedNoTarget),
      ]),
      ['total', sum('tickets'), sum('resolvedOnTime'), sum('resolvedLate'), sum('resolvedNoTarget')],
    ]),
    '',
    'By department',
    ...aligned([
      ['department', 'tickets'],
      ...totals(months, (m) => Object.entries(m.byDepartment)).map(([k, n]) => [k, String(n)]),
    ]),
    '',
    'By channel',
    ...aligned([
      ['channel', 'tickets'],
      ...totals(months, (m) => Object.entries(m.byChannel)).map(([k, n]) => [k, String(n)]),
    ]),
    '',
    'Top request types per month',
  ];
  for (const m of months) {
    lines.push(`${m.month}: ${m.topRequestTypes.map(([type, n]) => `${type} ${n}`).join(', ')}`);
  }
  lines.push(
    '',
    '"on time" and "late" count resolved tickets against their completion target; "no target" ones had none.',
  );
  return lines;
}

/**
 * For spreadsheets: one row per figure, month,measure,key,count; top types carry their rank. A key
 * is a CRM's service code or channel or a department's name, guarded as the public CSV is.
 */
function csv(months: readonly MonthVolume[]): string[] {
  const lines = ['month,measure,key,count'];
  const row = (month: string, measure: string, key: string, n: number) => lines.push(csvLine([month, measure, key, n]));
  for (const m of months) {
    row(m.month, 'tickets', '', m.tickets);
    for (const [k, n] of Object.entries(m.byDepartment)) row(m.month, 'department', k, n);
    for (const [k, n] of Object.entries(m.byChannel)) row(m.month, 'channel', k, n);
    for (const [i, [k, n]] of m.topRequestTypes.entries()) row(m.month, `top_type_${i + 1}`, k, n);
    row(m.month, 'resolved', 'on_time', m.resolvedOnTime);
    row(m.month, 'resolved', 'late', m.resolvedLate);
    row(m.month, 'resolved', 'no_target', m.resolvedNoTarget);
  }
  return lines;
}

/** The volume figures as lines of the chosen format; json is one line, the figures as computed. */
export function formatVolume(months: readonly MonthVolume[], format: VolumeFormat, timeZone: string): string[] {
  if (format === 'json') return [JSON.stringify(months)];
  return format === 'csv' ? csv(months) : table(months, timeZone);
}
