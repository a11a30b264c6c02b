/**
 * Rounds half away from zero. The tiny relative nudge keeps values such as 1.005, stored as
 * 1.00499999…, from rounding down: a KPI must read the same as the hand calculation.
 */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const rounded = Math.round(value * scale * (1 + Number.EPSILON)) / scale;
  return rounded === 0 ? 0 : rounded;
}

/**
 * Nearest-rank percentile: the smallest value with at least p % of the values at or below it,
 * i.e. the ceil(p/100 × n)-th smallest. It always returns an observed value (no interpolation),
 * so the median of an even count is the lower middle value. null for no values.
 */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // p × n first: an integer product divides by 100 exactly, so ranks do not drift up by float error.
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.max(rank, 1) - 1] ?? null;
}

/** 0–100 with one decimal; null when the population is empty. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : roundTo((part * 100) / whole, 1);
}
