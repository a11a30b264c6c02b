import type { FullPathRun } from './full-path.ts';
import { median } from './harness.ts';
import { fmt, judged, type Line } from './report.ts';

/**
 * (c) per offered rate, over its runs (one per repeat, the rates interleaved): each figure the
 * median of the runs' own, the p99 judged on its median and shown with its range, since one 30 s
 * run's p99 moved by half from run to run on these machines. Peak RSS is the highest.
 */
export function fullPathLines(runs: readonly FullPathRun[]): Line[] {
  const out: Line[] = [];
  for (const [rate, group] of byRate(runs)) {
    const m = (f: (r: FullPathRun) => number) => median(group.map(f));
    const of = group.length > 1 ? `, median of ${group.length}` : '';
    const label = `${fmt(rate)} ev/s offered${of}`;
    const line = (figure: string, value: string): Line => ({
      figure: `(c) full path, ${label}: ${figure}`,
      value,
      target: '',
      verdict: '',
    });
    out.push(line('source events/s handled', fmt(m((r) => r.eventsPerSecond))));
    out.push(line('latency p50 / p95, ms', `${fmt(m((r) => r.p50Ms))} / ${fmt(m((r) => r.p95Ms))}`));
    const p99 = m((r) => r.p99Ms);
    const spread = group.length > 1 ? ` (${range(group.map((r) => r.p99Ms))})` : '';
    const p99Line = line('latency p99, ms', `${fmt(p99)}${spread}`);
    out.push(rate === 1_000 ? judged(p99Line.figure, p99, p99Line.value, '<= 250', (v) => v <= 250) : p99Line);
    const warmup = group[0]?.warmup.seconds ?? 0;
    out.push(line(`p99 of the first ${warmup} s (warm-up, not above), ms`, fmt(m((r) => r.warmup.p99Ms))));
    const stage = (s: keyof FullPathRun['stages']) => fmt(m((r) => r.stages[s][0]));
    out.push(
      line('p50 source / processor / sink, ms', `${stage('source')} / ${stage('processor')} / ${stage('sink')}`),
    );
    const w = (f: (s: FullPathRun['sinkWaits']) => number) =>
      fmt(
        m((r) => f(r.sinkWaits)),
        1,
      );
    const slots = `${w((s) => s.slotWaitsPerRecord * 100)} %, ${w((s) => s.slotWaitMs)}`;
    out.push(
      line(
        'CRM sink, mean ms: wait before the call / the call; records whose ticket waited for a slot, %, and its mean wait, ms',
        `${w((s) => s.waitMs)} / ${w((s) => s.callMs)}; ${slots}`,
      ),
    );
    out.push(line('peak RSS, MB', fmt(Math.max(...group.map((r) => r.peakRssMb)))));
  }
  return out;
}

/** The runs of each offered rate, rates in the order they first ran. */
function byRate(runs: readonly FullPathRun[]): Map<number, FullPathRun[]> {
  const groups = new Map<number, FullPathRun[]>();
  for (const r of runs) {
    const group = groups.get(r.offeredPerSecond);
    if (group) group.push(r);
    else groups.set(r.offeredPerSecond, [r]);
  }
  return groups;
}

function range(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? 'n/a' : `${fmt(Math.min(...finite))}–${fmt(Math.max(...finite))}`;
}
