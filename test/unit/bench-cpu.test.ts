import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  cpuSince,
  isJitCompiler,
  jitCpuSince,
  processCpuMicros,
  shareOrNull,
  statCpuMicros,
  threadsCpuMicros,
} from '../../bench/cpu-meter.ts';
import { lines } from '../../bench/report.ts';
import type { PeerRun } from '../../bench/peer.ts';
import type { ProcessorFigures } from '../../bench/throughput.ts';
import { benchReport, processorFigures, reportValue, throughputRun } from '../support/bench-report.ts';

describe("bench CPU meter: a process's CPU time from /proc", () => {
  it('adds user and system ticks, counting fields after the last parenthesis of the name', () => {
    // utime 250 and stime 50 ticks (fields 14 and 15); the name holds a space and a ')'.
    const stat = '4242 (my (odd) java) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 97 0 123 456 789';
    expect(statCpuMicros(stat)).toBe(3_000_000);
  });

  it('answers null for text that is not a stat line', () => {
    expect(statCpuMicros('no parentheses here')).toBeNull();
    expect(statCpuMicros('1 (x) S 1 2')).toBeNull();
  });

  it.runIf(process.platform === 'linux')(
    "measures a busy child process's CPU over a span",
    async () => {
      // Busy for about half a second of its own CPU, then waiting to be killed.
      const child = spawn(process.execPath, [
        '-e',
        'const end = process.cpuUsage().user + 500000; while (process.cpuUsage().user < end); console.log("done"); setInterval(() => {}, 1000);',
      ]);
      try {
        const pid = child.pid;
        if (pid === undefined) throw new Error('no pid');
        const since = cpuSince(pid);
        await once(child.stdout, 'data');
        const used = since();
        expect(used).not.toBeNull();
        // Ticks are 10 ms: at least the 500 ms it burned after the span began, less one tick.
        expect(used).toBeGreaterThanOrEqual(490_000);
        expect(processCpuMicros(pid)).toBeGreaterThanOrEqual(used ?? Number.POSITIVE_INFINITY);
      } finally {
        child.kill('SIGKILL');
      }
      // The child needs half a second of a core besides its start: on two cores shared with a
      // broker, a registry and other test files, that took over the 5 s default in wall time.
    },
    60_000,
  );

  it('answers null with no process, or one that cannot be read', () => {
    expect(cpuSince(undefined)()).toBeNull();
    expect(processCpuMicros(2 ** 30)).toBeNull();
    expect(jitCpuSince(undefined)()).toBeNull();
    expect(jitCpuSince(2 ** 30)()).toBeNull();
  });

  it("gives the compilers' share of the broker's CPU to a thousandth, and null without both", () => {
    expect(shareOrNull(1_234_567, 4_000_000)).toBe(0.309);
    expect(shareOrNull(0, 4_000_000)).toBe(0);
    expect(shareOrNull(null, 4_000_000)).toBeNull();
    expect(shareOrNull(1, null)).toBeNull();
    // No broker CPU in the span: no share to speak of, rather than a division by zero.
    expect(shareOrNull(0, 0)).toBeNull();
  });

  it("knows HotSpot's JIT compiler threads by their names as /proc cuts them", () => {
    expect(isJitCompiler('C2 CompilerThre')).toBe(true);
    expect(isJitCompiler('C1 CompilerThre')).toBe(true);
    expect(isJitCompiler('G1 Conc#0')).toBe(false);
    expect(isJitCompiler('data-plane-kafk')).toBe(false);
  });

  it.runIf(process.platform === 'linux')("reads the CPU time of a process's threads by name", () => {
    // This process's main thread is named after it, and runs this test: it has used CPU.
    const all = threadsCpuMicros(process.pid, () => true);
    expect(all?.size).toBeGreaterThan(1);
    const main = threadsCpuMicros(
      process.pid,
      (comm) => comm === readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim(),
    );
    expect(main?.get(String(process.pid))).toBeGreaterThan(0);
    // A Node process has no JIT compiler threads of HotSpot's: nothing compiled, not null.
    expect(jitCpuSince(process.pid)()).toBe(0);
  });
});

const figures = (threads: number, evs: number, process: number, broker?: number | null) =>
  processorFigures(threads, evs, {
    cpuMicrosPerEvent: process / 2,
    processCpuMicrosPerEvent: process,
    ...(broker === undefined ? {} : { brokerCpuMicrosPerEvent: broker }),
  });

/** A repeat with (a)'s CPU per event when given: the broker's for (a) with Avro twice that of raw. */
const run = (processor: ProcessorFigures[], a?: { raw: number; avro: number; broker: number | null }) =>
  throughputRun(
    processor,
    a
      ? { rawCpu: { process: a.raw, broker: a.broker }, avroCpu: { process: a.avro, broker: a.broker && a.broker * 2 } }
      : {},
  );

const peer = (threads: number, process: number | null, broker: number | null): PeerRun => ({
  threads,
  tickets: 100,
  events: 700,
  eventsPerSecond: 30_000,
  ms: 23,
  warmupRecords: 700,
  cpu: { process, broker },
});

const report = benchReport;
const value = reportValue;
const row = (who: string, own: string) => `${who}: CPU per event, µs: ${own} / broker (together)`;

describe('bench report: CPU per event of every scenario, with the broker', () => {
  it("gives the medians of the process's, the broker's and their sum, for (a), (b) and (d)", () => {
    const r = report(
      [
        run([figures(1, 40_000, 30, 10), figures(2, 45_000, 36, 12)], { raw: 3, avro: 5, broker: 2 }),
        run([figures(1, 42_000, 28, 9), figures(2, 47_000, 33, 11)], { raw: 4, avro: 6, broker: 3 }),
        run([figures(1, 41_000, 35, 14), figures(2, 44_000, 40, 13)], { raw: 5, avro: 7, broker: 1 }),
      ],
      [peer(1, 20, 8), peer(2, 25, 9)],
    );
    expect(value(r, row('(a) raw pass-through', 'bench process'))).toBe('4.0 / 2.0 (6.0)');
    // The sum is the median of each run's own sum (9, 12, 9), not the sum of the two medians.
    expect(value(r, row('(a) pass-through with Avro', 'bench process'))).toBe('6.0 / 4.0 (9.0)');
    expect(value(r, row('(b) on 1 thread', 'bench process'))).toBe('30.0 / 10.0 (40.0)');
    expect(value(r, row('(b) on 2 threads', 'bench process'))).toBe('36.0 / 12.0 (48.0)');
    expect(value(r, row('(d) with 1 stream thread', 'its JVM'))).toBe('20.0 / 8.0 (28.0)');
    expect(value(r, row('(d) with 2 stream threads', 'its JVM'))).toBe('25.0 / 9.0 (34.0)');
  });

  it('shows the broker as n/a, and no sum, when it was not measured', () => {
    const r = report([run([figures(1, 40_000, 30, null)], { raw: 3, avro: 5, broker: null })], [peer(2, 25, null)]);
    expect(value(r, row('(a) raw pass-through', 'bench process'))).toBe('3.0 / n/a');
    expect(value(r, row('(b) on 1 thread', 'bench process'))).toBe('30.0 / n/a');
    expect(value(r, row('(d) with 2 stream threads', 'its JVM'))).toBe('25.0 / n/a');
  });

  it('adds the broker to the phase row when every run measured it', () => {
    const phased: ProcessorFigures = {
      ...figures(1, 40_000, 30, 10),
      phaseCpuMicrosPerEvent: [
        { threads: 40, process: 60, broker: 30 },
        { threads: 15, process: 20, broker: 7 },
      ],
    };
    const r = report([run([phased])]);
    expect(
      value(r, '(b) on 1 thread: CPU per event by phase, CRM / department: threads; whole process; broker, µs'),
    ).toBe('40.0 / 15.0; 60.0 / 20.0; 30.0 / 7.0');
  });

  it("adds the broker's JIT compilers' share of its CPU when it was kept", () => {
    const compiling = (broker: number, share: number): ProcessorFigures => ({
      ...figures(2, 40_000, 30, broker),
      brokerJitShare: share,
    });
    const r = report([run([compiling(10, 0.1)]), run([compiling(20, 0.25)]), run([compiling(10, 0.3)])]);
    expect(value(r, row('(b) on 2 threads', 'bench process'))).toBe('30.0 / 10.0 (40.0); broker compiling 25 %');
    const p = { ...peer(2, 25, 9), cpu: { process: 25, broker: 9, brokerJitShare: 0.1 } };
    expect(value(report([], [p]), row('(d) with 2 stream threads', 'its JVM'))).toBe(
      '25.0 / 9.0 (34.0); broker compiling 10 %',
    );
  });

  it('has no such rows for reports written before they were kept', () => {
    const r = report([run([figures(1, 40_000, 30)])], [{ ...peer(1, 1, 1), cpu: undefined } as unknown as PeerRun]);
    expect(lines(r).some((l) => l.figure.includes('/ broker (together)'))).toBe(false);
  });
});
