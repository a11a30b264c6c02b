import { describe, expect, it } from 'vitest';
import { computeKpis } from '../../../src/domain/kpi/index.ts';
import { formatKpiTable } from '../../../src/kpi/index.ts';
import { NYC, at, input, now, violations } from './fixtures.ts';

const footer = { definitionVersion: 1, month: '2026-11', timeZone: NYC, computedAt: now, provisional: false };

describe('KPI table', () => {
  it('prints one aligned row per department, then what the figures mean and the month', () => {
    const lines = formatKpiTable(computeKpis(input, violations, '2026-11', now, NYC), footer);
    expect(lines).toEqual([
      'department      responded %  completed %  open late  resolved  median bd  p90 bd  median cd  premature  dup linked  link cover %  misroutes  drift',
      'housing         100.0 (1/1)  100.0 (1/1)          0         1       3.13    3.13       5.13          1         0/0             —          0      0',
      'solid-waste       0.0 (0/1)    0.0 (0/1)          1         0          —       —          —          0         1/1          50.0          0      0',
      'transportation   66.7 (2/3)  100.0 (2/2)          0         3       9.29    9.83      17.88          0         0/0             —          1      0',
      'unrouted                  —            —          0         0          —       —          —          0         1/1         100.0          0      0',
      '% on time with (met/due); bd = business days, cd = calendar days to resolve; dup linked = linked/closed; drift = found by reconciliation; — = none',
      'KPI definition v1, month 2026-11, complete as of 2026-12-03T17:00:00.000Z',
    ]);
  });

  it('names who answers for each department, last, when the city keeps a roles file', () => {
    const records = computeKpis(input, violations, '2026-11', now, NYC).map((r) => ({
      ...r,
      accountable: r.department === 'housing' ? 'service owner Hana Owner <housing-311-owner@city.example>' : null,
    }));
    const lines = formatKpiTable(records, footer);
    expect(lines[0]?.endsWith('drift  accountable')).toBe(true);
    expect(lines[1]?.endsWith('0  service owner Hana Owner <housing-311-owner@city.example>')).toBe(true);
    expect(lines[2]?.trimEnd().endsWith('0  —')).toBe(true);
  });

  it('says when the month is still running, and when it has no figures', () => {
    const lines = formatKpiTable([], { ...footer, provisional: true, computedAt: at('2026-11-20T12:00') });
    expect(lines).toEqual([
      'no KPI figures for 2026-11',
      'KPI definition v1, month 2026-11, provisional: the month is not over in America/New_York as of 2026-11-20T17:00:00.000Z',
    ]);
  });
});
