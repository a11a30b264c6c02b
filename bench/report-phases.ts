import { median } from './harness.ts';
import { fmt, type Line } from './report.ts';
import type { PhaseCpu, ThroughputRun } from './throughput.ts';

/**
 * (b)'s CPU per event phase by phase, CRM then department, each a median over the runs: a CRM
 * event opens a ticket, a department event moves one, and they cost differently. Beside it, how
 * much of the threads' time the garbage collector's pauses took, and the longest a thread's event
 * loop waited. Reports written before these were kept have no such rows.
 */
export function phaseLines(runs: readonly ThroughputRun[], threads: number, on: string): Line[] {
  const phases = runs.map((r) => r.processor.find((p) => p.threads === threads)?.phaseCpuMicrosPerEvent);
  const of = (i: number, pick: (c: PhaseCpu) => number | undefined): string =>
    fmt(median(phases.flatMap((p) => (p?.[i] ? (pick(p[i]) ?? []) : []))), 1);
  const both = (pick: (c: PhaseCpu) => number | undefined) => `${of(0, pick)} / ${of(1, pick)}`;
  if (!phases.some((p) => p && p.length > 0)) return [];
  // The broker's, where it was measured (the local stack's broker, in reports that keep it).
  const broker = phases.every((p) => p?.every((c) => typeof c.broker === 'number'));
  const out: Line[] = [
    {
      figure: `(b) ${on}: CPU per event by phase, CRM / department: threads; whole process${broker ? '; broker' : ''}, µs`,
      value: `${both((c) => c.threads)}; ${both((c) => c.process)}${broker ? `; ${both((c) => c.broker ?? undefined)}` : ''}`,
      target: '',
      verdict: '',
    },
  ];
  if (phases.some((p) => p?.some((c) => c.gcPauses))) {
    out.push({
      figure: `(b) ${on}: the threads' GC pauses per event by phase, CRM / department: scavenges; the rest, µs`,
      value: `${both((c) => c.gcPauses?.minor)}; ${both((c) => c.gcPauses?.major)}`,
      target: '',
      verdict: '',
    });
  }
  if (phases.some((p) => p?.some((c) => c.loopStallMs !== undefined))) {
    const ms = (i: number) => fmt(median(phases.flatMap((p) => p?.[i]?.loopStallMs ?? [])), 0);
    out.push({
      figure: `(b) ${on}: the longest a thread's event loop kept its timers waiting by phase, CRM / department, ms`,
      value: `${ms(0)} / ${ms(1)}`,
      target: '',
      verdict: '',
    });
  }
  return out;
}
