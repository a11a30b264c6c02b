import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullPathRun } from './full-path.ts';
import { median, ROOT } from './harness.ts';
import type { PeerRun } from './peer.ts';
import { cpuLines } from './report-cpu.ts';
import { fullPathLines } from './report-full-path.ts';
import { phaseLines } from './report-phases.ts';
import { rejoinLines, type RejoinRun } from './rejoin.ts';
import type { RestoreRow } from './restore.ts';
import { scaleOutLines, type ScaleOutRun } from './scale-out.ts';
import type { ThroughputRun } from './throughput.ts';

export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly platform: string;
  };
  readonly quick: boolean;
  readonly seed: number;
  readonly partitions: number;
  readonly throughput: readonly ThroughputRun[];
  /** Scenario (d), the Kafka Streams peer, at one and at two stream threads. */
  readonly peer: readonly PeerRun[];
  readonly fullPath: readonly FullPathRun[];
  readonly scaleOut?: readonly ScaleOutRun[];
  /** A second processor joining one that holds tickets (absent in reports before 2026-12-04). */
  readonly rejoin?: readonly RejoinRun[];
  readonly restore: readonly RestoreRow[];
}

export interface Line {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly verdict: '' | 'met' | 'MISSED';
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

export function judged(figure: string, value: number, shown: string, target: string, ok: (v: number) => boolean): Line {
  return { figure, value: shown, target, verdict: Number.isFinite(value) ? (ok(value) ? 'met' : 'MISSED') : '' };
}

/** The figures people read, medians of the repeats, each against its target where it has one. */
export function lines(r: BenchReport): Line[] {
  const out: Line[] = [];
  const t = r.throughput;
  if (t.length > 0) {
    const n = t.length;
    const raw = median(t.map((x) => x.rawEventsPerSecond));
    const avro = median(t.map((x) => x.avroEventsPerSecond));
    // Reports from before (a)'s warm-up have no count: cold, as are runs with --processor-warmup 0.
    const baselineWarmup = t[0]?.baselineWarmupEvents ?? 0;
    const runs = `median of ${n}, ${fmt(t[0]?.events ?? 0)} events, ${
      baselineWarmup > 0 ? `each warmed on ${fmt(baselineWarmup)}` : 'cold'
    }`;
    out.push({
      figure: `(a) raw @platformatic/kafka pass-through, ev/s (${runs})`,
      value: fmt(raw),
      target: '',
      verdict: '',
    });
    out.push({ figure: '(a) pass-through with Avro decode+encode, ev/s', value: fmt(avro), target: '', verdict: '' });
    const counts = threadCounts(r);
    // --processor-warmup 0 (and reports from before the warm-up) leave the threads cold.
    const warmup = t[0]?.warmupEvents ?? 0;
    const warmed = warmup > 0 ? `threads warmed on ${fmt(warmup)} events` : 'cold threads';
    for (const threads of counts) {
      const proc = processorMedian(r, threads);
      const on = `on ${threads} thread${threads > 1 ? 's' : ''}`;
      // The ratio is judged for the most threads measured: the processor as set to use the machine.
      const judge = threads === counts.at(-1);
      out.push(
        judged(
          `(b) lifecycle processor ${on}, exactly-once, ev/s (${warmed})`,
          proc,
          fmt(proc),
          '>= 10,000',
          (v) => v >= 10_000,
        ),
      );
      const ratio = `(b) ${on} / (a) against the Avro pass-through`;
      out.push(
        judge
          ? judged(ratio, proc / avro, fmt(proc / avro, 2), '>= 0.5', (v) => v >= 0.5)
          : { figure: ratio, value: fmt(proc / avro, 2), target: '', verdict: '' },
      );
      out.push({
        figure: `(b) ${on} / (a) against the raw pass-through`,
        value: fmt(proc / raw, 2),
        target: '',
        verdict: '',
      });
      out.push({
        figure: `(b) ${on}: restart between phases (fence, restore, join), ms`,
        value: fmt(median(t.map((x) => x.processor.find((p) => p.threads === threads)?.restartMs ?? Number.NaN))),
        target: '',
        verdict: '',
      });
      // Reports from before the figure was kept have none.
      const cpu = t.flatMap((x) => x.processor.find((p) => p.threads === threads)?.cpuMicrosPerEvent ?? []);
      if (cpu.length > 0) {
        out.push({
          figure: `(b) ${on}: the processor threads' CPU per event, µs`,
          value: fmt(median(cpu), 1),
          target: '',
          verdict: '',
        });
      }
      const whole = t.flatMap((x) => x.processor.find((p) => p.threads === threads)?.processCpuMicrosPerEvent ?? []);
      if (whole.length > 0) {
        out.push({
          figure: `(b) ${on}: the bench process's CPU per event (with V8's GC and compiler threads), µs`,
          value: fmt(median(whole), 1),
          target: '',
          verdict: '',
        });
      }
      out.push(...phaseLines(t, threads, on));
    }
    out.push({
      figure: '(a)+(b) peak RSS, MB',
      value: fmt(Math.max(...t.map((x) => x.peakRssMb))),
      target: '',
      verdict: '',
    });
  }
  out.push(...peerLines(r));
  out.push(...cpuLines(r));
  out.push(...fullPathLines(r.fullPath));
  out.push(...scaleOutLines(r.scaleOut ?? []));
  out.push(...rejoinLines(r.rejoin ?? []));
  for (const x of r.restore) {
    const per100k = (x.restoreMs / x.tickets) * 100;
    out.push(
      judged(
        `restore ${fmt(x.tickets)} tickets, s (per 100k)`,
        per100k,
        `${fmt(x.restoreMs / 1000, 2)} (${fmt(per100k, 2)})`,
        '<= 10 per 100k',
        (v) => v <= 10,
      ),
    );
    out.push(
      judged(
        `heap per ticket in state at ${fmt(x.tickets)}, bytes`,
        x.bytesPerTicket,
        fmt(x.bytesPerTicket),
        '<= 1,024',
        (v) => v <= 1024,
      ),
    );
  }
  return out;
}

/** The thread counts (b) ran with, fewest first. */
function threadCounts(r: BenchReport): number[] {
  return [...new Set(r.throughput.flatMap((x) => x.processor.map((p) => p.threads)))].sort((a, b) => a - b);
}

/** (b)'s median over the repeats on `threads` threads; NaN when it did not run with them. */
function processorMedian(r: BenchReport, threads: number): number {
  const runs = r.throughput.flatMap((x) => x.processor.filter((p) => p.threads === threads));
  return runs.length > 0 ? median(runs.map((p) => p.eventsPerSecond)) : Number.NaN;
}

// (d) next to (b): the processor should keep up with what a team would build on Kafka Streams,
// thread for thread (the peer's stream threads against the processor's threads), and the target
// is (b) at least (d) with two threads each.
function peerLines(r: BenchReport): Line[] {
  const out: Line[] = [];
  for (const threads of [1, 2]) {
    const runs = r.peer.filter((x) => x.threads === threads);
    if (runs.length === 0) continue;
    const ev = median(runs.map((x) => x.eventsPerSecond));
    const name = `${threads} stream thread${threads > 1 ? 's' : ''}`;
    const warmed = runs[0]?.warmupRecords ?? 0;
    const start = warmed > 0 ? `JVM warmed on up to ${fmt(warmed)} records` : 'cold JVM';
    const of = `median of ${runs.length}, ${fmt(runs[0]?.events ?? 0)} events, ${start}`;
    out.push({
      figure: `(d) Kafka Streams peer, exactly_once_v2, ${name}, ev/s (${of})`,
      value: fmt(ev),
      target: '',
      verdict: '',
    });
    for (const own of threadCounts(r)) {
      const proc = processorMedian(r, own);
      const ratio = `(b) on ${own} thread${own > 1 ? 's' : ''} / (d) with ${name}`;
      out.push(
        threads === 2 && own === 2
          ? judged(ratio, proc / ev, fmt(proc / ev, 2), '>= 1.0', (v) => v >= 1)
          : { figure: ratio, value: fmt(proc / ev, 2), target: '', verdict: '' },
      );
    }
  }
  return out;
}

export function printReport(r: BenchReport): void {
  const rows = lines(r);
  const w = [Math.max(6, ...rows.map((l) => l.figure.length)), Math.max(5, ...rows.map((l) => l.value.length)), 16];
  const row = (c: string[]) => `| ${c.map((x, i) => x.padEnd(w[i] ?? 6)).join(' | ')} |`;
  const quick = r.quick ? ' (quick: a smoke run, figures are not meaningful)' : '';
  console.log(
    `\ncloseloop bench: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GiB, Node ${r.machine.node}${quick}`,
  );
  console.log(row(['figure', 'value', 'target']) + ' result |');
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|--------|`);
  for (const l of rows) console.log(`${row([l.figure, l.value, l.target])} ${l.verdict.padEnd(6)} |`);
}

export async function writeReport(r: BenchReport): Promise<string> {
  const dir = path.join(ROOT, 'bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-${r.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ ...r, summary: lines(r) }, null, 2));
  return path.relative(ROOT, file);
}
