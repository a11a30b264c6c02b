import type { FullPathRun } from '../../bench/full-path.ts';
import type { PeerRun } from '../../bench/peer.ts';
import { lines, type BenchReport } from '../../bench/report.ts';
import type { ProcessorFigures, ThroughputRun } from '../../bench/throughput.ts';

/** (b)'s figures at one thread count, with what a test gives over the defaults. */
export const processorFigures = (
  threads: number,
  eventsPerSecond: number,
  more: Partial<ProcessorFigures> = {},
): ProcessorFigures =>
  ({
    threads,
    eventsPerSecond,
    ms: 1_000,
    phasesMs: [400, 600],
    restartMs: 100,
    ...more,
  }) as ProcessorFigures;

/** One throughput repeat of 700 events: (b) as given, (a) at 200,000 raw and 100,000 with Avro. */
export const throughputRun = (processor: ProcessorFigures[], more: Partial<ThroughputRun> = {}): ThroughputRun => ({
  tickets: 100,
  events: 700,
  processor,
  rawEventsPerSecond: 200_000,
  avroEventsPerSecond: 100_000,
  peakRssMb: 500,
  warmupEvents: 0,
  ...more,
});

/** One full-path run at `rate` with these latencies; stages and the rest at fixed values. */
export const fullPathRun = (
  rate: number,
  latency: { p50: number; p99: number },
  more: Partial<FullPathRun> = {},
): FullPathRun => ({
  offeredPerSecond: rate,
  push: true,
  webhooks: { rung: 100, failed: 0 },
  seconds: 30,
  warmup: { seconds: 3, samples: 100, p99Ms: latency.p99 * 2 },
  tickets: rate * 5,
  sourceEvents: rate * 30,
  eventsPerSecond: rate,
  statusesApplied: rate * 40,
  latencySamples: rate * 40,
  p50Ms: latency.p50,
  p95Ms: latency.p99 - 10,
  p99Ms: latency.p99,
  maxMs: latency.p99 * 3,
  drainMs: 0,
  peakRssMb: 400,
  stages: { source: [20, 60], processor: [8, 50], sink: [latency.p50 - 28, 160] },
  sinkWaits: { records: rate * 30, waitMs: 18.4, slotWaitsPerRecord: 0.05, slotWaitMs: 12.5, callMs: 21.3 },
  ...more,
});

/** A whole report of these runs, on a two-core test machine. */
export const benchReport = (
  throughput: ThroughputRun[],
  peer: PeerRun[] = [],
  fullPath: FullPathRun[] = [],
): BenchReport => ({
  startedAt: '2026-12-01T00:00:00Z',
  command: 'npm run bench',
  machine: { node: 'v24', cpus: 2, cpuModel: 'test', memoryGb: 1, platform: 'linux' },
  quick: false,
  seed: 42,
  partitions: 6,
  throughput,
  peer,
  fullPath,
  restore: [],
});

/** The value the report prints for `figure`. */
export const reportValue = (r: BenchReport, figure: string) => lines(r).find((l) => l.figure === figure)?.value;
