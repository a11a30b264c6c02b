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

/** A whole report of these runs, on a two-core test machine. */
export const benchReport = (throughput: ThroughputRun[], peer: PeerRun[] = []): BenchReport => ({
  startedAt: '2026-12-01T00:00:00Z',
  command: 'npm run bench',
  machine: { node: 'v24', cpus: 2, cpuModel: 'test', memoryGb: 1, platform: 'linux' },
  quick: false,
  seed: 42,
  partitions: 6,
  throughput,
  peer,
  fullPath: [],
  restore: [],
});

/** The value the report prints for `figure`. */
export const reportValue = (r: BenchReport, figure: string) => lines(r).find((l) => l.figure === figure)?.value;
