// npm run bench [-- --quick] [--only throughput,peer,full-path,scale-out,rejoin,restore] [--seed 42] [--repeats 3]
//   [--tickets 20000] [--restore 10000,100000,1000000] [--partitions 6] [--threads 1,2] [--no-push]
//   [--scale-out 1,2] [--scale-tickets 40000] [--rejoin-tickets 100000] [--rates 50,1000] [--warmup 3] [--peer-warmup all]
//   [--processor-warmup all]
// Every scenario runs in this one process against a real Kafka and registry (brought up when
// none is configured), so the baseline and the bridge share the machine's state of the moment.
import os from 'node:os';
import path from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { fullPathRun, type FullPathRun } from './full-path.ts';
import { endpoints, ROOT } from './harness.ts';
import { loadProfile } from './load.ts';
import { peerRun, type PeerRun } from './peer.ts';
import { printReport, writeReport, type BenchReport } from './report.ts';
import { rejoinRun, type RejoinRun } from './rejoin.ts';
import { restoreRun, type RestoreRow } from './restore.ts';
import { scaleOutRun, type ScaleOutRun } from './scale-out.ts';
import { buildPeer } from './streams-peer.ts';
import { throughputRun, type ThroughputRun } from './throughput.ts';
import { progress } from '../src/observability/progress.ts';

const options = {
  quick: { type: 'boolean', default: false },
  only: { type: 'string' },
  seed: { type: 'string', default: '42' },
  repeats: { type: 'string' },
  tickets: { type: 'string' },
  restore: { type: 'string' },
  partitions: { type: 'string', default: '6' },
  threads: { type: 'string', default: '1,2' },
  'no-push': { type: 'boolean', default: false },
  'scale-out': { type: 'string', default: '1,2' },
  'scale-tickets': { type: 'string' },
  'rejoin-tickets': { type: 'string' },
  rates: { type: 'string' },
  warmup: { type: 'string', default: '3' },
  'peer-warmup': { type: 'string' },
  'processor-warmup': { type: 'string' },
  csv: { type: 'string', default: path.resolve(ROOT, 'data/baltimore_311_sample_10k.csv') },
} as const;

// A bad option (unknown, or a value such as `-1` taken for an option) stops with parseArgs's own
// message, not a stack trace; `--name=-1` passes a negative value to the checks below.
const a = (() => {
  try {
    return parseArgs({ options }).values;
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
})();

const quick = a.quick;
const only = new Set((a.only ?? 'throughput,peer,full-path,scale-out,rejoin,restore').split(','));
const scaleOut = a['scale-out'].split(',').map(Number);
// (b) runs once per processor.threads value, each on the same records.
const threads = a.threads.split(',').map(Number);
// Full path: a city's realistic load, the issue's target load and, for the full bench, saturation.
const fullPathLoads = a.rates
  ? a.rates.split(',').map((r) => ({ rate: Number(r), seconds: quick ? 8 : 30 }))
  : quick
    ? [
        { rate: 50, seconds: 8 },
        { rate: 1_000, seconds: 8 },
      ]
    : [
        { rate: 50, seconds: 30 },
        { rate: 1_000, seconds: 30 },
        { rate: 2_000, seconds: 15 },
      ];
const warmupSeconds = Number(a.warmup);
if (!Number.isFinite(warmupSeconds) || warmupSeconds < 0) {
  console.error(`--warmup must be a number of seconds >= 0, got ${a.warmup}`);
  process.exit(2);
}
// The Streams peer starts a new JVM for each run, and (b) new threads (each a V8 isolate of its
// own): each first processes about this many input records untimed, so that its figure is not
// mostly a runtime's first seconds. 0 leaves the warm-up out; `all` (the default) is as many as
// the timed run has, so that both runtimes have compiled what the run needs before it starts:
// with 20,000, (b)'s threads had seen about 3,000 CRM events, and V8 still spent 0.3-0.5 s of
// the timed CRM phase optimising the processor on the other core (see the README).
function warmupRecords(name: 'peer-warmup' | 'processor-warmup'): number {
  const given = a[name] ?? (quick ? '1000' : 'all');
  if (given === 'all') return Number.POSITIVE_INFINITY;
  const n = Number(given);
  if (given.trim() === '' || !Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number of records >= 0 or "all", got ${given}`);
    process.exit(2);
  }
  return n;
}
const peerWarmup = warmupRecords('peer-warmup');
const processorWarmup = warmupRecords('processor-warmup');
const seed = Number(a.seed);
const partitions = Number(a.partitions);
const repeats = Number(a.repeats ?? (quick ? 1 : 3));
const tickets = Number(a.tickets ?? (quick ? 1_000 : 20_000));
// Scale-out runs longer than (b): a second process shows what it adds only when a phase lasts
// long against what every run pays once (the tasks' first transactions, the first fetches). At
// 10,000 tickets a phase takes about a second here, and two processes measured x0.91-1.13 of
// one; at 40,000, x1.02-1.26 over three rounds (see the README).
const scaleTickets = Number(a['scale-tickets'] ?? (quick ? 1_000 : 40_000));
// A rebalance with state: what a city's processor holds after some months.
const rejoinTickets = Number(a['rejoin-tickets'] ?? (quick ? 10_000 : 100_000));
const restoreSizes = (a.restore ?? (quick ? '10000' : '10000,100000,1000000')).split(',').map(Number);
// Scenario runs, for the progress line: each throughput repeat, peer repeat at one and at two
// stream threads, full-path load per repeat and restore size.
const PEER_THREADS = [1, 2] as const;
const steps =
  (only.has('throughput') ? repeats : 0) +
  (only.has('peer') ? repeats * PEER_THREADS.length : 0) +
  (only.has('full-path') ? fullPathLoads.length * repeats : 0) +
  (only.has('scale-out') ? scaleOut.length * repeats : 0) +
  (only.has('rejoin') ? repeats : 0) +
  (only.has('restore') ? restoreSizes.length : 0);
const bar = progress('[bench]', 'runs', steps);
let done = 0;
const stepDone = () => bar.update((done += 1));
const log = (l: string) => bar.log(`[bench] ${l}`);

async function main(): Promise<void> {
  for (const [name, value] of [
    ['seed', seed],
    ['partitions', partitions],
    ['repeats', repeats],
    ['tickets', tickets],
    ['scale-tickets', scaleTickets],
    ['rejoin-tickets', rejoinTickets],
    ...scaleOut.map((n) => ['scale-out', n] as const),
    ...threads.map((n) => ['threads', n] as const),
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, got ${value}`);
  }
  if (!(globalThis as { gc?: unknown }).gc)
    log('run with node --expose-gc (npm run bench does) for exact heap figures');
  const e = await endpoints(log);
  const profile = await loadProfile(a.csv);
  log(
    `profile: ${profile.records} Baltimore records, ${profile.types.length} request types, ` +
      `${(profile.duplicateShare * 100).toFixed(1)} % duplicates, ${(profile.openShare * 100).toFixed(1)} % still open`,
  );
  // Built first, so a missing JDK or Maven stops the bench before it has measured anything.
  const build = only.has('peer') ? await buildPeer(log) : undefined;
  const throughput: ThroughputRun[] = [];
  const peer: PeerRun[] = [];
  // (b) and (d) alternate repeat by repeat, as scale-out's counts do: run all of one and then
  // all of the other, and the later one met a broker that had compiled more of its code (on a
  // stack just started, its JIT compilers took 38 % of its CPU in (b)'s spans and 6-10 % in
  // (d)'s) and a machine in another mood.
  for (let i = 0; i < repeats; i += 1) {
    if (only.has('throughput')) {
      log(`throughput ${i + 1}/${repeats}: ${tickets} tickets`);
      const run = await throughputRun(e, profile, {
        tickets,
        seed: seed + i,
        partitions,
        threads,
        warmupRecords: processorWarmup,
      });
      const processor = run.processor.map((p) => `${p.eventsPerSecond} ev/s on ${p.threads}`).join(', ');
      log(`  processor ${processor}; raw ${run.rawEventsPerSecond}, avro ${run.avroEventsPerSecond}`);
      throughput.push(run);
      stepDone();
    }
    if (!build) continue;
    // The same seeds as (b)'s repeats, so each peer run reads the records (b) read.
    for (const threads of PEER_THREADS) {
      log(`Streams peer ${i + 1}/${repeats}, ${threads} thread${threads > 1 ? 's' : ''}: ${tickets} tickets`);
      const run = await peerRun(e, build, profile, {
        tickets,
        seed: seed + i,
        partitions,
        threads,
        warmupRecords: peerWarmup,
      });
      log(`  ${run.eventsPerSecond} ev/s`);
      peer.push(run);
      stepDone();
    }
  }
  const fullPath: FullPathRun[] = [];
  if (only.has('full-path')) {
    // Above capacity, the last run shows saturation; bounded, so its backlog drains in minutes.
    // Each repeat runs every rate, the rates interleaved, so a machine getting busier weighs on
    // all of them alike; the table gives each rate's medians (see report-full-path.ts).
    for (let i = 0; i < repeats; i += 1)
      for (const load of fullPathLoads) {
        const of = repeats > 1 ? ` (${i + 1}/${repeats})` : '';
        log(`full path${of}: ${load.rate} ev/s offered for ${warmupSeconds} s warm-up and ${load.seconds} s measured`);
        const run = await fullPathRun(e, profile, {
          ...load,
          warmupSeconds,
          seed: seed + i,
          partitions: Math.min(partitions, 3),
          push: !a['no-push'],
        });
        log(
          `  ${run.eventsPerSecond} ev/s applied, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms (warm-up p99 ${run.warmup.p99Ms} ms)`,
        );
        log(`  stages p50/p99, ms: ${JSON.stringify(run.stages)}; webhooks ${JSON.stringify(run.webhooks)}`);
        log(`  CRM sink, means: ${JSON.stringify(run.sinkWaits)}`);
        fullPath.push(run);
        stepDone();
      }
  }
  const scaled: ScaleOutRun[] = [];
  if (only.has('scale-out')) {
    // Interleaved (1, 2, 1, 2, ...), so a machine that gets busier does not favour one count.
    for (let i = 0; i < repeats; i += 1) {
      for (const processes of scaleOut) {
        log(`scale-out ${i + 1}/${repeats}: ${processes} processor process(es), ${scaleTickets} tickets`);
        const run = await scaleOutRun(e, profile, { processes, tickets: scaleTickets, seed: seed + i, partitions });
        log(`  ${run.eventsPerSecond} ev/s, partitions ${JSON.stringify(run.partitionsPerProcess)}`);
        scaled.push(run);
        stepDone();
      }
    }
  }
  const rejoined: RejoinRun[] = [];
  if (only.has('rejoin')) {
    for (let i = 0; i < repeats; i += 1) {
      log(`rejoin ${i + 1}/${repeats}: a second processor joins one holding ${rejoinTickets} tickets`);
      const run = await rejoinRun(e, profile, { tickets: rejoinTickets, seed: seed + i, partitions });
      log(`  the first's partitions again after ${run.firstResumedMs} ms, settled after ${run.settledMs} ms`);
      rejoined.push(run);
      stepDone();
    }
  }
  const restore: RestoreRow[] = [];
  if (only.has('restore')) {
    for (const n of restoreSizes) {
      log(`restore: ${n} tickets`);
      restore.push(await restoreRun(e, n, partitions));
      stepDone();
    }
  }
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 1_073_741_824),
      platform: `${os.platform()} ${os.release()}`,
    },
    quick,
    seed,
    partitions,
    throughput,
    peer,
    fullPath,
    scaleOut: scaled,
    rejoin: rejoined,
    restore,
  };
  bar.stop();
  printReport(report);
  log(`written to ${await writeReport(report)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // inspect, not the stack alone: Kafka clients nest the broker's reasons in AggregateErrors.
    console.error(`bench failed: ${inspect(err, { depth: 6 })}`);
    process.exit(1);
  },
);
