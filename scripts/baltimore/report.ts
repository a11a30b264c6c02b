import { KPI_DEFINITION_VERSION } from '../../src/domain/kpi/index.ts';
import { targetsSection } from './report-targets.ts';
import { fixed, pct, signed, table } from './table.ts';
import type { Counts } from './reconcile.ts';
import type { Recomputation } from './recompute.ts';

const minus = (n: number): number => (n === 0 ? 0 : -n);

/**
 * The differences between the naive figure and v1, in the order docs/baltimore-recomputation.md
 * explains them. Step 6 is the remainder, so an unexplained difference would show there.
 */
export function steps(c: Counts): (readonly [label: string, due: number, onTime: number])[] {
  const r = c.roles;
  const listed: (readonly [string, number, number])[] = [
    ['1. minus duplicates closed as if worked', minus(r.duplicate.naiveDue), minus(r.duplicate.naiveOnTime)],
    [
      '2. minus transfers (misroutes) closed as if worked',
      minus(r.transferred.naiveDue),
      minus(r.transferred.naiveOnTime),
    ],
    [
      '3. minus closed rows with no DueDate (counted late)',
      minus(r['no-due'].naiveDue),
      minus(r['no-due'].naiveOnTime),
    ],
    [
      '4. minus zero-length targets (DueDate = CreatedDate)',
      minus(r['zero-target'].naiveDue),
      minus(r['zero-target'].naiveOnTime),
    ],
    ['5. plus open rows past due at the snapshot (late)', r['open-past-due'].rows, 0],
  ];
  const due = listed.reduce((s, [, d]) => s + d, c.naiveDue);
  const met = listed.reduce((s, [, , m]) => s + m, c.naiveOnTime);
  return [
    ['Naive: rows with a CloseDate, on time when CloseDate <= DueDate', c.naiveDue, c.naiveOnTime],
    ...listed,
    ['6. verdicts changed by reading stamps in America/New_York', c.v1Due - due, c.v1OnTime - met],
    ['closeloop v1: completion targets due, met', c.v1Due, c.v1OnTime],
  ];
}

export function render(r: Recomputation): string {
  const all = r.reconciliation.get('(all)');
  const out: string[] = [];
  out.push(
    `Baltimore 311 sample: ${r.rows} rows; snapshot ${new Date(r.snapshot).toISOString()} (latest event in the file)`,
  );
  out.push(
    `closeloop KPI definition v${KPI_DEFINITION_VERSION}, ${r.months.length} months ${r.months[0]} … ${r.months.at(-1)}\n`,
  );
  out.push('Completion on time, naive vs closeloop v1, per agency (whole sample; v1 = monthly records added up)\n');
  const agencies = [...r.reconciliation.keys()].sort((a, b) =>
    a === '(all)'
      ? -1
      : b === '(all)'
        ? 1
        : (r.reconciliation.get(b)?.rows ?? 0) - (r.reconciliation.get(a)?.rows ?? 0),
  );
  out.push(
    table(
      [
        'Agency',
        'Rows',
        'Naive met/closed',
        'Naive %',
        'Dup+xfer',
        'No/zero due',
        'Open late',
        'v1 met/due',
        'v1 %',
        'Med bd',
        'P90 bd',
        'Med cd',
      ],
      agencies.map((a) => {
        const c = r.reconciliation.get(a);
        const t = r.totals.get(a);
        const rt = r.resolveTimes.get(a);
        if (!c) return [a];
        const ro = c.roles;
        return [
          a,
          c.rows,
          `${c.naiveOnTime}/${c.naiveDue}`,
          pct(c.naiveOnTime, c.naiveDue),
          ro.duplicate.naiveDue + ro.transferred.naiveDue,
          ro['no-due'].naiveDue + ro['zero-target'].naiveDue,
          ro['open-past-due'].rows,
          `${t?.completedOnTime ?? 0}/${t?.completionDue ?? 0}`,
          pct(t?.completedOnTime ?? 0, t?.completionDue ?? 0),
          fixed(rt?.medianBusinessDays),
          fixed(rt?.p90BusinessDays),
          fixed(rt?.medianCalendarDays),
        ];
      }),
    ),
  );
  if (all) {
    out.push('\nFrom the naive figure to v1 (all agencies)\n');
    let due = 0;
    let met = 0;
    const rows = steps(all).map(([label, d, m], i, list) => {
      const total = i === 0 || i === list.length - 1;
      due = total ? d : due + d;
      met = total ? m : met + m;
      return [label, total ? d : signed(d), total ? m : signed(m), pct(met, due)];
    });
    out.push(table(['Step', 'Due', 'Met', 'Running %'], rows));
    out.push(`\n(step 6: ${all.verdictChanges} of ${all.roles.closed.rows} closed rows change verdict)`);
  }
  const tz = r.timeZone;
  out.push('\nTime zone and DST\n');
  out.push(
    table(
      ['Effect', 'Rows'],
      [
        ['stamps in the spring-forward gap (no such instant)', tz.gapStamps],
        ['stamps in the autumn overlap (two instants)', tz.overlapStamps],
        ['targets spanning a DST change (N days = N × 24 h ± 1 h)', tz.dstSpans],
        ['…whose verdict would differ with N × 24 h elapsed', tz.dstSpanVerdictChanges],
        ['CreatedDate at 00:00 UTC (19:00 EST / 20:00 EDT)', tz.createdAtUtcMidnight],
        ['CloseDate at 00:00 UTC', tz.closedAtUtcMidnight],
        ['due month differs when read in UTC', tz.dueMonthDiffersInUtc],
      ],
    ),
  );
  out.push(targetsSection(r));
  return out.join('\n');
}
