import { describe, expect, it } from 'vitest';
import { rejoinLines } from '../../bench/rejoin.ts';
import { lines, type BenchReport } from '../../bench/report.ts';
import type { ProcessorFigures, ThroughputRun } from '../../bench/throughput.ts';
import { benchReport, fullPathRun, processorFigures, reportValue, throughputRun } from '../support/bench-report.ts';

const figures = (threads: number, evs: number, cpu: number, whole?: number) =>
  processorFigures(threads, evs, {
    cpuMicrosPerEvent: cpu,
    ...(whole === undefined ? {} : { processCpuMicrosPerEvent: whole }),
  });
const run = (processor: ProcessorFigures[]) => throughputRun(processor);
const report = (throughput: ThroughputRun[]) => benchReport(throughput);
const value = reportValue;

describe("bench report: (b)'s CPU rows", () => {
  it("gives the median of the threads' CPU and of the whole process's, per thread count", () => {
    const r = report([
      run([figures(1, 40_000, 20, 30), figures(2, 45_000, 24, 36)]),
      run([figures(1, 42_000, 18, 28), figures(2, 47_000, 22, 33)]),
      run([figures(1, 41_000, 19, 35), figures(2, 44_000, 26, 40)]),
    ]);
    expect(value(r, "(b) on 1 thread: the processor threads' CPU per event, µs")).toBe('19.0');
    expect(value(r, "(b) on 1 thread: the bench process's CPU per event (with V8's GC and compiler threads), µs")).toBe(
      '30.0',
    );
    expect(
      value(r, "(b) on 2 threads: the bench process's CPU per event (with V8's GC and compiler threads), µs"),
    ).toBe('36.0');
    expect(value(r, '(b) on 2 threads / (a) against the Avro pass-through')).toBe('0.45');
  });

  it('leaves the whole-process and phase rows out for reports written before they were kept', () => {
    const r = report([run([figures(1, 40_000, 20)])]);
    expect(value(r, "(b) on 1 thread: the processor threads' CPU per event, µs")).toBe('20.0');
    expect(lines(r).some((l) => l.figure.includes("bench process's CPU"))).toBe(false);
    expect(lines(r).some((l) => l.figure.includes('by phase'))).toBe(false);
  });

  it("gives each phase's median CPU per event, the threads' and the whole process's", () => {
    const phased = (threads: number, crm: number, dept: number): ProcessorFigures => ({
      ...figures(threads, 40_000, 20, 30),
      phaseCpuMicrosPerEvent: [
        { threads: crm, process: crm * 2 },
        { threads: dept, process: dept + 5 },
      ],
    });
    const r = report([
      run([phased(1, 50, 20), phased(2, 60, 25)]),
      run([phased(1, 40, 18), phased(2, 70, 22)]),
      run([phased(1, 45, 30), phased(2, 65, 21)]),
    ]);
    const row = (on: string) => `(b) ${on}: CPU per event by phase, CRM / department: threads; whole process, µs`;
    expect(value(r, row('on 1 thread'))).toBe('45.0 / 20.0; 90.0 / 25.0');
    expect(value(r, row('on 2 threads'))).toBe('65.0 / 22.0; 130.0 / 27.0');
    // Kept without the GC pauses: no row for them.
    expect(lines(r).some((l) => l.figure.includes('GC pauses'))).toBe(false);
  });

  it("gives each phase's median GC pauses of the threads, scavenges and the rest", () => {
    const paused = (minor: number, major: number): ProcessorFigures => ({
      ...figures(2, 40_000, 20, 30),
      phaseCpuMicrosPerEvent: [
        { threads: 50, process: 80, gcPauses: { minor, major } },
        { threads: 20, process: 30, gcPauses: { minor: minor / 2, major: major / 2 } },
      ],
    });
    const r = report([run([paused(10, 2)]), run([paused(14, 1)]), run([paused(12, 4)])]);
    expect(
      value(
        r,
        "(b) on 2 threads: the threads' GC pauses per event by phase, CRM / department: scavenges; the rest, µs",
      ),
    ).toBe('12.0 / 6.0; 2.0 / 1.0');
    expect(lines(r).some((l) => l.figure.includes('event loop'))).toBe(false);
  });

  it("gives each phase's median of the threads' longest event-loop stall", () => {
    const stalled = (crm: number, dept: number): ProcessorFigures => ({
      ...figures(2, 40_000, 20, 30),
      phaseCpuMicrosPerEvent: [
        { threads: 50, process: 80, loopStallMs: crm },
        { threads: 20, process: 30, loopStallMs: dept },
      ],
    });
    const r = report([run([stalled(40, 120)]), run([stalled(60, 577)]), run([stalled(52, 96)])]);
    expect(
      value(
        r,
        "(b) on 2 threads: the longest a thread's event loop kept its timers waiting by phase, CRM / department, ms",
      ),
    ).toBe('52 / 120');
  });
});

describe("bench report: the runs' warm-ups", () => {
  const figureOf = (r: BenchReport, start: string) => lines(r).find((l) => l.figure.startsWith(start))?.figure;

  it("names (a)'s and (b)'s warm-ups when the runs had them", () => {
    const warmed = { ...run([figures(1, 40_000, 20)]), warmupEvents: 134_213, baselineWarmupEvents: 133_927 };
    const r = report([warmed]);
    expect(figureOf(r, '(a) raw')).toBe(
      '(a) raw @platformatic/kafka pass-through, ev/s (median of 1, 700 events, each warmed on 133,927)',
    );
    expect(figureOf(r, '(b) lifecycle processor on 1 thread')).toContain('(threads warmed on 134,213 events)');
  });

  it('says cold for runs without a warm-up, and for reports written before (a) had one', () => {
    const r = report([{ ...run([figures(1, 40_000, 20)]), baselineWarmupEvents: 0 }, run([figures(1, 41_000, 20)])]);
    expect(figureOf(r, '(a) raw')).toBe(
      '(a) raw @platformatic/kafka pass-through, ev/s (median of 2, 700 events, cold)',
    );
    expect(figureOf(r, '(b) lifecycle processor on 1 thread')).toContain('(cold threads)');
  });
});

describe('bench report: the full path', () => {
  const sinkWaits = (waitMs: number, slotWaitsPerRecord: number) => ({
    records: 30_000,
    waitMs,
    slotWaitsPerRecord,
    slotWaitMs: 12.5,
    callMs: 21.3,
  });
  const figure = (r: BenchReport, start: string) => lines(r).find((l) => l.figure.startsWith(start));

  it("gives each rate's medians over its repeats, and judges the median p99 with its range beside it", () => {
    const r = benchReport(
      [],
      [],
      [
        fullPathRun(50, { p50: 40, p99: 90 }),
        fullPathRun(1_000, { p50: 100, p99: 310 }),
        fullPathRun(50, { p50: 44, p99: 80 }, { peakRssMb: 450 }),
        fullPathRun(1_000, { p50: 95, p99: 205 }, { eventsPerSecond: 990, sinkWaits: sinkWaits(30.25, 0.2) }),
        fullPathRun(50, { p50: 42, p99: 120 }),
        fullPathRun(1_000, { p50: 110, p99: 240 }, { eventsPerSecond: 998, sinkWaits: sinkWaits(12, 0.01) }),
      ],
    );
    // Each figure the median of its own: 18.4 between 12 and 30.25; 0.05 between 0.01 and 0.2.
    expect(figure(r, '(c) full path, 1,000 ev/s offered, median of 3: CRM sink')?.value).toBe(
      '18.4 / 21.3; 5.0 %, 12.5',
    );
    const p99 = figure(r, '(c) full path, 1,000 ev/s offered, median of 3: latency p99');
    expect(p99).toMatchObject({ value: '240 (205–310)', target: '<= 250', verdict: 'met' });
    expect(figure(r, '(c) full path, 1,000 ev/s offered, median of 3: source events/s')?.value).toBe('998');
    expect(figure(r, '(c) full path, 1,000 ev/s offered, median of 3: latency p50 / p95')?.value).toBe('100 / 230');
    expect(figure(r, '(c) full path, 1,000 ev/s offered, median of 3: p50 source')?.value).toBe('20 / 8 / 72');
    // Not judged at other rates; peak RSS is the highest of the runs.
    expect(figure(r, '(c) full path, 50 ev/s offered, median of 3: latency p99')).toMatchObject({
      value: '90 (80–120)',
      verdict: '',
    });
    expect(figure(r, '(c) full path, 50 ev/s offered, median of 3: peak RSS')?.value).toBe('450');
    // The rates in the order they ran.
    const rates = lines(r)
      .filter((l) => l.figure.endsWith('latency p99, ms'))
      .map((l) => l.figure);
    expect(rates).toEqual([
      '(c) full path, 50 ev/s offered, median of 3: latency p99, ms',
      '(c) full path, 1,000 ev/s offered, median of 3: latency p99, ms',
    ]);
  });

  it('says nothing of medians for a single run, and misses the target on its p99 alone', () => {
    const r = benchReport([], [], [fullPathRun(1_000, { p50: 120, p99: 356 })]);
    expect(figure(r, '(c) full path, 1,000 ev/s offered: latency p99')).toMatchObject({
      value: '356',
      verdict: 'MISSED',
    });
  });
});

describe('bench report: a second processor joining one that holds tickets, then a third', () => {
  const rejoined = (firstResumedMs: number, settledMs: number, thirdReadAgain = 0) => ({
    tickets: 100_000,
    firstResumedMs,
    settledMs,
    keptTickets: 50_078,
    readTickets: 49_922,
    thirdResumedMs: firstResumedMs - 100,
    thirdSettledMs: settledMs - 200,
    thirdReadAgain,
  });

  it('gives the medians over the repeats with each run beside them', () => {
    const lines = rejoinLines([rejoined(206, 722), rejoined(469, 990, 33_411), rejoined(377, 897)]);
    expect(lines.map((l) => [l.figure, l.value])).toEqual([
      [
        "rebalance, a second processor joins one holding 100,000 tickets: the first's partitions work again after, ms (median)",
        '377 (runs: 206 / 469 / 377)',
      ],
      [
        'rebalance, a second processor joins one holding 100,000 tickets: the group settled after, ms (median)',
        '897 (runs: 722 / 990 / 897)',
      ],
      [
        'rebalance, a second processor joins one holding 100,000 tickets: tickets kept in memory / read by the second (median)',
        '50,078 / 49,922',
      ],
      [
        'rebalance, then a third joins the two: their partitions work again after, ms (median)',
        '277 (runs: 106 / 369 / 277)',
      ],
      ['rebalance, then a third joins the two: the group settled after, ms (median)', '697 (runs: 522 / 790 / 697)'],
      [
        'rebalance, then a third joins the two: changelog records the two read again (median)',
        '0 (runs: 0 / 33,411 / 0)',
      ],
    ]);
  });

  it('has no rows for reports written before the scenario, or runs without it', () => {
    expect(rejoinLines([])).toEqual([]);
  });
});
