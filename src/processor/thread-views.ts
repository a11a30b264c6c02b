import type { ConsumerHealth } from '../messaging/index.ts';
import type { MetricsSnapshot } from '../observability/metrics.ts';

/** One thread as ThreadedProcessor knows it, for the views below. */
export interface ThreadHealth {
  readonly index: number;
  /** Why it stopped, when it stopped unasked. */
  readonly lost: string | null;
  /** How long ago it was lost (0 when it was not). */
  readonly lostForMs: number;
  readonly health: ConsumerHealth | null;
}

/**
 * The processor's consumer health across its threads: failing when a thread was lost or any
 * thread's consumer is failing (every such thread named), else starting while any starts; with
 * the skips of every thread.
 */
export function combinedHealth(threads: readonly ThreadHealth[]): ConsumerHealth | null {
  if (threads.length === 0) return null;
  // Every thread's skips, a lost thread's included: what it passed over is lost all the same.
  const all = threads.flatMap((t) => t.health?.skipped ?? []).sort((a, b) => a.at - b.at);
  const skipped = all.length > 0 ? { skipped: all } : {};
  const failing = threads.filter((t) => t.lost !== null || t.health?.state === 'failing');
  if (failing.length > 0) {
    return {
      state: 'failing',
      failingForMs: Math.max(0, ...failing.map((t) => (t.lost !== null ? t.lostForMs : (t.health?.failingForMs ?? 0)))),
      reason: failing.map((t) => t.lost ?? `thread ${t.index}: ${t.health?.reason ?? 'failing'}`).join('; '),
      ...skipped,
    };
  }
  const starting = threads.some((t) => t.health === null || t.health.state === 'starting');
  return { state: starting ? 'starting' : 'reading', failingForMs: 0, reason: null, ...skipped };
}

export interface ThreadAssignment {
  /** Whether its latest assignment counts (reported after the caller began to wait). */
  readonly fresh: boolean;
  readonly partitions: readonly number[] | null;
  readonly lost: boolean;
}

/**
 * The partitions owned, sorted, when the running threads' assignments have settled: each has
 * a fresh one, and together they own each of the `count` partitions once. Null while they have
 * not.
 */
export function settledPartitions(threads: readonly ThreadAssignment[], count: number): number[] | null {
  const running = threads.filter((t) => !t.lost);
  if (running.length === 0 || running.some((t) => !t.fresh || t.partitions === null)) return null;
  const all = running.flatMap((t) => t.partitions ?? []);
  const distinct = new Set(all);
  if (distinct.size !== all.length || distinct.size !== count) return null;
  return [...distinct].sort((a, b) => a - b);
}

/**
 * What a lost thread's metrics add to the process's from now on: its counters and histograms as
 * last reported, so that the summed series never go down (Prometheus would read a counter reset,
 * and a rate over it a spike), and none of its gauges, whose values are no longer true.
 */
export function lostThreadMetrics(last: MetricsSnapshot | null): MetricsSnapshot {
  // prom-client's JSON names the type ('counter', …), whatever its declared enum says.
  return (last ?? []).filter((m) => ['counter', 'histogram'].includes(String(m.type)));
}
