import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { recompute } from '../../../scripts/baltimore/recompute.ts';
import { BALTIMORE_ZONE, parseRows } from '../../../scripts/baltimore/rows.ts';
import { completionDue } from '../../../scripts/baltimore/tickets.ts';
import { steps } from '../../../scripts/baltimore/report.ts';
import { baltimore, repoRoot } from './fixtures.ts';

/*
 * The headline figures of docs/baltimore-recomputation.md. The sample is fixed, so the counts
 * are exact: a change here means the definition or the mapping changed, and the document with it.
 */
const csv = readFileSync(path.resolve(repoRoot, 'data/baltimore_311_sample_10k.csv'), 'utf8');
const result = recompute(csv, baltimore);
const all = result.reconciliation.get('(all)');

describe('Baltimore recomputation under KPI definition v1 and v2', () => {
  it('has no due date at local midnight, so definition v2 places every due date as v1 did', () => {
    const atMidnight = parseRows(csv).filter((r) => {
      const due = completionDue(r);
      return (
        due !== null && DateTime.fromMillis(due, { zone: BALTIMORE_ZONE }).toFormat('HH:mm:ss.SSS') === '00:00:00.000'
      );
    });
    expect(atMidnight).toEqual([]);
  });

  it('takes the latest event in the file as the snapshot', () => {
    expect(result.rows).toBe(10_000);
    expect(new Date(result.snapshot).toISOString()).toBe('2019-02-13T21:18:56.000Z');
    expect([result.months[0], result.months.at(-1)]).toEqual(['2014-01', '2019-08']);
  });

  it('explains every difference between the naive 81.6 % and v1 83.2 %', () => {
    expect(all && steps(all).map(([, due, met]) => [due, met])).toEqual([
      [9792, 7988], // naive
      [-207, -149], // duplicates
      [-18, -9], // transfers
      [-230, 0], // no DueDate
      [-217, -135], // DueDate = CreatedDate
      [125, 0], // open past due
      [0, 0], // time zone
      [9245, 7695], // v1
    ]);
    expect(all?.verdictChanges).toBe(0);
    expect(all?.roles['open-pending'].rows).toBe(24);
  });

  it('agrees with the monthly KPI records added up', () => {
    expect(result.totals.get('(all)')).toEqual({
      completionDue: all?.v1Due,
      completedOnTime: all?.v1OnTime,
      stillOpenPastDue: 125,
      resolved: 9567,
      duplicatesClosed: 217,
      duplicatesLinked: 0,
      misroutes: 18,
    });
    for (const [agency, counts] of result.reconciliation) {
      const t = result.totals.get(agency);
      expect([agency, t?.completionDue ?? 0, t?.completedOnTime ?? 0]).toEqual([agency, counts.v1Due, counts.v1OnTime]);
    }
    expect(result.records.every((r) => r.responseDue === 0 && r.prematureClosesBlocked === 0)).toBe(true);
  });

  it('finds the agencies whose figure moves most', () => {
    const pair = (a: string) => {
      const c = result.reconciliation.get(a);
      return [c?.naiveOnTime, c?.naiveDue, c?.v1OnTime, c?.v1Due];
    };
    expect(pair('BGE')).toEqual([311, 391, 275, 309]);
    expect(pair('Finance')).toEqual([249, 331, 248, 292]);
    expect(pair('Fire Department')).toEqual([96, 116, 96, 130]);
    expect(pair('Water Wastewater')).toEqual([474, 804, 457, 800]);
  });

  it('measures resolve times in business and calendar days', () => {
    expect(result.resolveTimes.get('(all)')).toEqual({
      resolved: 9567,
      medianBusinessDays: 1.15,
      p90BusinessDays: 18.17,
      medianCalendarDays: 1.37,
    });
  });

  it('counts the time zone and DST effects', () => {
    expect(result.timeZone).toEqual({
      gapStamps: 2,
      overlapStamps: 0,
      dstSpans: 842,
      dstSpanVerdictChanges: 1,
      createdAtUtcMidnight: 1481,
      closedAtUtcMidnight: 1742,
      dueMonthDiffersInUtc: 51,
    });
  });

  it('reads every consistent target as calendar days, and shows the business-day reading', () => {
    const units = result.targets.reduce<Record<string, number>>(
      (m, t) => ({ ...m, [t.unit]: (m[t.unit] ?? 0) + 1 }),
      {},
    );
    expect(units).toEqual({ calendar: 173, either: 24 });
    const sum = (f: (t: (typeof result.targets)[number]) => number) => result.targets.reduce((s, t) => s + f(t), 0);
    expect([sum((t) => t.asGiven.onTime), sum((t) => t.asGiven.due)]).toEqual([7695, 9245]);
    expect([sum((t) => t.otherWay.onTime), sum((t) => t.otherWay.due)]).toEqual([8219, 9241]);
    expect(result.targets[0]).toMatchObject({ type: 'SW-Rat Rubout Proactive', rows: 1696, days: 5, unit: 'calendar' });
  });
});
