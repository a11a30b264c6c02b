import { median } from './harness.ts';
import { fmt, type BenchReport, type Line } from './report.ts';

/** A scenario's CPU per event in one run: the process doing its work, and the broker (null: not measured). */
interface Cpu {
  readonly process: number | null;
  readonly broker: number | null;
  /** The share of the broker's CPU its JIT compilers took; absent in reports from before it was kept. */
  readonly brokerJitShare?: number | null;
}

const percent = (share: number) => `${fmt(share * 100)} %`;

/**
 * `process / broker (together)`, each the median over the runs; the broker's as n/a when it was
 * not measured (a broker not the local stack's), and then no sum. Then the median share of the
 * broker's CPU its JIT compilers took, when kept: a broker still compiling gives the scenario
 * less of the machine. Undefined for no runs.
 */
function cpuValue(runs: readonly (Cpu | undefined)[]): string | undefined {
  const got = runs.filter((c): c is Cpu => c !== undefined);
  if (got.length === 0) return undefined;
  const pick = (f: (c: Cpu) => number | null) => {
    const xs = got.map(f);
    return xs.some((x) => x === null) ? Number.NaN : median(xs as number[]);
  };
  const own = pick((c) => c.process);
  const broker = pick((c) => c.broker);
  const sum = pick((c) => (c.process === null || c.broker === null ? null : c.process + c.broker));
  if (!Number.isFinite(broker)) return `${fmt(own, 1)} / n/a`;
  const both = `${fmt(own, 1)} / ${fmt(broker, 1)} (${fmt(sum, 1)})`;
  const jit = pick((c) => c.brokerJitShare ?? null);
  return Number.isFinite(jit) ? `${both}; broker compiling ${percent(jit)}` : both;
}

const line = (figure: string, value: string): Line => ({ figure, value, target: '', verdict: '' });

/**
 * What each scenario costs the machine per event: the CPU time of the process doing its work
 * (the bench process for (a) and (b), the JVM for (d)) and of the broker, over the same timed
 * spans, µs. Events per second depend on what else the cores run; these show where the time
 * goes, the broker's share included, which no scenario's own figures do. Reports from before
 * they were kept have none.
 */
export function cpuLines(r: BenchReport): Line[] {
  const out: Line[] = [];
  const label = (own: string) => `CPU per event, µs: ${own} / broker (together)`;
  const t = r.throughput;
  const raw = cpuValue(t.map((x) => x.rawCpu));
  if (raw) out.push(line(`(a) raw pass-through: ${label('bench process')}`, raw));
  const avro = cpuValue(t.map((x) => x.avroCpu));
  if (avro) out.push(line(`(a) pass-through with Avro: ${label('bench process')}`, avro));
  const counts = [...new Set(t.flatMap((x) => x.processor.map((p) => p.threads)))].sort((a, b) => a - b);
  for (const threads of counts) {
    const runs = t.map((x) => x.processor.find((p) => p.threads === threads));
    const value = cpuValue(
      runs.map((p) =>
        p?.brokerCpuMicrosPerEvent === undefined
          ? undefined
          : {
              process: p.processCpuMicrosPerEvent,
              broker: p.brokerCpuMicrosPerEvent,
              ...(p.brokerJitShare === undefined ? {} : { brokerJitShare: p.brokerJitShare }),
            },
      ),
    );
    if (value) out.push(line(`(b) on ${threads} thread${threads > 1 ? 's' : ''}: ${label('bench process')}`, value));
  }
  for (const threads of [1, 2]) {
    const value = cpuValue(r.peer.filter((x) => x.threads === threads).map((x) => x.cpu));
    if (value) out.push(line(`(d) with ${threads} stream thread${threads > 1 ? 's' : ''}: ${label('its JVM')}`, value));
  }
  return out;
}
