/**
 * The KPI properties over one month's inputs (docs/kpi.md): the figures are the same however the
 * topic delivers the statuses, they agree with a re-reading of the document's words (oracle.ts),
 * their percentages are what their counts say, and a month that is not YYYY-MM is the documented
 * error. Each property is fc.property over scenarioArb; the test runs them with a seed.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { computeKpis, percent, roundTo, type KpiRecord } from '../../../src/domain/kpi/index.ts';
import { ticketFromStatus } from '../../../src/kpi/index.ts';
import { check } from '../property/check.ts';
import { oracleKpis, pct, round2 } from './oracle.ts';
import { computed, fold, scenarioArb, shuffled } from './scenario.ts';

/** 1. The same inputs in any order, statuses and drift delivered again, give the same records. */
export const reproducible = () =>
  fc.property(scenarioArb(), fc.noShrink(fc.integer()), fc.array(fc.nat(), { maxLength: 8 }), (s, seed, again) => {
    const statuses = s.tickets.flat();
    const repeated = again.flatMap((i) => statuses.slice(i % statuses.length).slice(0, 1));
    const redrift = again.flatMap((i) => s.drift.slice(i % s.drift.length).slice(0, 1));
    const records = computeKpis(
      fold(shuffled([...statuses, ...repeated], seed), s.zone),
      shuffled(s.violations, seed + 1),
      s.month,
      s.now,
      s.zone,
      shuffled([...s.drift, ...redrift], seed + 2),
    );
    check(isDeepStrictEqual(records, computed(s)), 'the records depend on the order or repeats of the inputs', {
      inOrder: computed(s),
      shuffled: records,
    });
  });

/** 3. computeKpis over the folded statuses agrees, record by record, with the document re-read by hand. */
export const oracle = (busy = 0) =>
  fc.property(scenarioArb(8, busy), (s) => {
    const expected = oracleKpis(s);
    const actual = computed(s);
    check(isDeepStrictEqual(actual, expected), 'computeKpis differs from docs/kpi.md', { expected, actual });
  });

/** 3b. The same for a reader with only each ticket's latest status (ticketFromStatus), as R3 and R8 say for it. */
export const oracleLatestOnly = () =>
  fc.property(scenarioArb(), (s) => {
    const latest = s.tickets.flatMap((h) => h.slice(-1)).map((x) => ticketFromStatus(x, s.zone));
    const expected = oracleKpis({ ...s, latestOnly: true });
    const actual = computeKpis(latest, s.violations, s.month, s.now, s.zone, s.drift);
    check(isDeepStrictEqual(actual, expected), 'computeKpis of latest statuses differs from docs/kpi.md', {
      expected,
      actual,
    });
  });

const numbers = (r: KpiRecord) => Object.values(r).filter((v): v is number => typeof v === 'number');

/** 5. Percentages follow their counts (R10), medians their population (R6); no NaN; sorted, one per department. */
export const consistent = () =>
  fc.property(scenarioArb(), (s) => {
    const records = computed(s);
    records.forEach((r, i) => {
      check(numbers(r).every(Number.isFinite), 'a figure is not a finite number', r);
      check(r.definitionVersion === 3 && r.month === s.month, 'the record names another version or month', r);
      check(
        i === 0 || (records[i - 1]?.department ?? '') < r.department,
        'records are not sorted by department',
        records,
      );
      check(r.respondedOnTimePct === pct(r.respondedOnTime, r.responseDue), 'respondedOnTimePct', r);
      check(r.completedOnTimePct === pct(r.completedOnTime, r.completionDue), 'completedOnTimePct', r);
      check(r.respondedOnTime <= r.responseDue && r.completedOnTime <= r.completionDue, 'more on time than due', r);
      check(r.stillOpenPastDue <= r.completionDue - r.completedOnTime, 'still open past due but not late', r);
      check(r.duplicatesLinked <= r.duplicatesClosed && r.closedByHand <= r.drift, 'a part larger than its whole', r);
      const coverage = r.duplicateLinkCoveragePct;
      check(coverage === null ? r.duplicatesClosed === 0 : coverage >= 0 && coverage <= 100, 'coverage', r);
      check((r.medianCalendarDaysToResolve === null) === (r.resolved === 0), 'a median without resolutions', r);
      const [median, p90] = [r.medianBusinessDaysToResolve, r.p90BusinessDaysToResolve];
      check((median === null) === (p90 === null) && (median ?? 0) <= (p90 ?? 0), 'median above p90', r);
      const figures = r.responseDue + r.completionDue + r.resolved + r.prematureClosesBlocked + r.misroutes;
      check(figures + r.duplicatesClosed + r.drift > 0 || coverage !== null, 'a record with no figure (R2)', r);
    });
  });

/**
 * 5b. R10 and R6's rounding over populations far larger than a generated month's: a percentage is
 * part / whole to one decimal and days to two, both half away from zero (x.x5 and x.xx5 included).
 */
export const rounding = () =>
  fc.property(
    fc
      .integer({ min: 1, max: 100_000 })
      .chain((whole) => fc.tuple(fc.integer({ min: 0, max: whole }), fc.constant(whole))),
    fc.integer({ min: 0, max: 10_000_000 }),
    ([part, whole], thousandths) => {
      check(percent(part, whole) === pct(part, whole), 'a percentage not rounded as R10 says', { part, whole });
      const days = thousandths / 1000;
      check(roundTo(days, 2) === round2(days), 'days not rounded as R6 says', { days, got: roundTo(days, 2) });
    },
  );

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const nearMonths = fc.constantFrom(
  '2026-13',
  '2026-00',
  '2026-1',
  '26-11',
  ' 2026-11',
  '2026-11 ',
  '2026/11',
  '2026-11-01',
  '２０２６-11',
  '',
);

/** 6. A month that is not YYYY-MM from 01 to 12 is an error naming the form; any other is computed. */
export const monthForm = () =>
  fc.property(fc.oneof(nearMonths, fc.string({ maxLength: 9 }), fc.stringMatching(/^\d{4}-\d{2}$/)), (month) => {
    let error: unknown = null;
    try {
      computeKpis([], [], month, 0);
    } catch (err) {
      error = err;
    }
    if (MONTH.test(month)) check(error === null, 'a YYYY-MM month threw', { month, error: String(error) });
    else
      check(error instanceof Error && error.message.includes('YYYY-MM'), 'not the documented error', {
        month,
        error: String(error),
      });
  });
