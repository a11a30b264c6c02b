import { describe, expect, it } from 'vitest';
import { lines, type BenchReport } from '../../bench/report.ts';
import type { ProcessorFigures, ThroughputRun } from '../../bench/throughput.ts';

const figures = (threads: number, evs: number, cpu: number, whole?: number): ProcessorFigures =>
  ({
    threads,
    eventsPerSecond: evs,
    ms: 1_000,
    phasesMs: [400, 600],
    restartMs: 100,
    cpuMicrosPerEvent: cpu,
    ...(whole === undefined ? {} : { processCpuMicrosPerEvent: whole }),
  }) as ProcessorFigures;

const run = (processor: ProcessorFigures[]): ThroughputRun => ({
  tickets: 100,
  events: 700,
  processor,
  rawEventsPerSecond: 200_000,
  avroEventsPerSecond: 100_000,
  peakRssMb: 500,
  warmupEvents: 0,
});

const report = (throughput: ThroughputRun[]): BenchReport => ({
  startedAt: '2026-12-01T00:00:00Z',
  command: 'npm run bench',
  machine: { node: 'v24', cpus: 2, cpuModel: 'test', memoryGb: 1, platform: 'linux' },
  quick: false,
  seed: 42,
  partitions: 6,
  throughput,
  peer: [],
  fullPath: [],
  restore: [],
});

const value = (r: BenchReport, figure: string) => lines(r).find((l) => l.figure === figure)?.value;

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

  it('leaves the whole-process row out for reports written before it was kept', () => {
    const r = report([run([figures(1, 40_000, 20)])]);
    expect(value(r, "(b) on 1 thread: the processor threads' CPU per event, µs")).toBe('20.0');
    expect(lines(r).some((l) => l.figure.includes("bench process's CPU"))).toBe(false);
  });
});
